// The decision-log feed over real HTTP (the server mounts it like any package's route).
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import { afterEach, describe, expect, it } from 'vitest'
import { createFashionHub, type FashionHub } from './hub.js'
import { DAY } from './simulate.js'
import { at, member, play } from './test-support.js'

let stop: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of stop.reverse()) await fn()
  stop = []
})

async function served(): Promise<{ f: FashionHub; url: string }> {
  const f = await createFashionHub()
  stop.push(() => f.stop())
  const app = await omotenashiServer(f.hub, { apiKeys: [{ name: 'r', sha256: hashApiKey('read-key-0123456789abcdef'), scopes: ['read'] }, { name: 'i', sha256: hashApiKey('ingest-key-0123456789abcdef'), scopes: ['ingest'] }], logger: false })
  stop.push(() => app.close())
  return { f, url: await app.listen({ port: 0, host: '127.0.0.1' }) }
}

describe('the decision-log feed', () => {
  it('lists recent decisions with who they are about; filters by loyalty id; needs the read scope', async () => {
    const { f, url } = await served()
    const a = await member(f, 'A', { name: 'Aiko Tanaka', tier: 'gold' })
    const b = await member(f, 'B', { push: true })
    await at(f, DAY, '11:00')
    await play(f, { type: 'store.checked_in', source: 'app', identity: a, storeId: 'umeda' }, { type: 'geofence.entered', source: 'app', identity: b, storeId: 'shibuya', data: { geofenceId: 'g', kind: 'near_store', storeName: '渋谷店' } })
    const get = (path: string, key?: string) => fetch(`${url}${path}`, key === undefined ? {} : { headers: { 'x-api-key': key } })

    const all = (await (await get('/demo/decisions.json', 'read-key-0123456789abcdef')).json()) as { decisions: Array<{ decision: { trigger: string; candidates: Array<{ actionId: string; status: string }> }; who: Record<string, string> }> }
    expect(all.decisions.map((d) => [d.who['loyaltyId'], d.decision.trigger, d.decision.candidates[0]?.actionId]).sort()).toEqual([
      ['A', 'store.checked_in', 'how-was-today'],
      ['A', 'store.checked_in', 'vip-welcome'],
      ['B', 'geofence.entered', 'store-offer'],
    ])
    expect(all.decisions.find((d) => d.who['loyaltyId'] === 'A')?.who).toEqual({ loyaltyId: 'A', name: 'Aiko Tanaka', tier: 'gold' })

    const onlyB = (await (await get('/demo/decisions.json?customer=B', 'read-key-0123456789abcdef')).json()) as typeof all
    expect(onlyB.decisions.map((d) => d.decision.trigger)).toEqual(['geofence.entered'])
    const nobody = (await (await get('/demo/decisions.json?customer=nobody', 'read-key-0123456789abcdef')).json()) as typeof all
    expect(nobody.decisions).toEqual([])

    const bad = await get('/demo/decisions.json?limit=0', 'read-key-0123456789abcdef')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'E_VALIDATION', issues: [{ path: 'limit' }] } })
    expect((await get('/demo/decisions.json')).status).toBe(401)
    expect((await get('/demo/decisions.json', 'ingest-key-0123456789abcdef')).status).toBe(403)
    // The page itself holds no data and is public.
    const page = await get('/demo/decisions')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await page.text()).toContain('<title>Omotenashi · decision log</title>')
  })
})
