import { Tokens, type Hub } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProfileStore } from '@omotenashi/profile'
import { testHub, type Exploder } from '../test-support.js'
import { startTestServer, type TestServer } from '../testing/index.js'

let hub: Hub
let store: ProfileStore
let exploder: Exploder
let server: TestServer

beforeAll(async () => {
  ;({ hub, store, exploder } = await testHub())
  server = await startTestServer(hub)
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

const req = async (key: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } }
}

describe('profiles', () => {
  beforeAll(async () => {
    await hub.publish({ type: 'profile.traits_updated', source: 'web', identity: { customerId: 'c-1', email: 'c1@example.jp' }, data: { traits: { tier: 'gold' } } })
    await hub.publish({ type: 'page.viewed', source: 'web', identity: { customerId: 'c-1' }, data: { path: '/' } })
    await hub.get(Tokens.InboxStore).put({ id: 'msg-1', customerId: 'c-1', title: 'Hello', createdAt: '2026-01-01T00:00:00.000Z' })
    await hub.drain()
  })

  it('reads a profile by id and by identifier (in the body)', async () => {
    const byId = await req(server.keys.read, 'GET', '/v1/profiles/c-1')
    expect(byId.status).toBe(200)
    expect(byId.body).toMatchObject({ id: 'c-1', traits: { tier: { value: 'gold' } }, identifiers: { email: [{ value: 'c1@example.jp' }] } })
    const lookup = await req(server.keys.read, 'POST', '/v1/profiles/lookup', { identity: { email: 'c1@example.jp' } })
    expect(lookup.body['id']).toBe('c-1')
    expect((await req(server.keys.read, 'GET', '/v1/profiles/nobody')).status).toBe(404)
    expect((await req(server.keys.read, 'POST', '/v1/profiles/lookup', { identity: { email: 'none@example.jp' } })).status).toBe(404)
    const bad = await req(server.keys.read, 'POST', '/v1/profiles/lookup', { identity: { email: '' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error!.message).toMatch(/identity\.email/)
  })

  it('exports everything about a person: profile, decisions and inbox', async () => {
    await req(server.keys.decide, 'POST', '/v1/decide', { identity: { customerId: 'c-1' }, placement: 'web.home' })
    const res = await req(server.keys.read, 'GET', '/v1/profiles/c-1/export')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ profile: { id: 'c-1' } })
    expect((res.body['decisions'] as unknown[]).length).toBe(1)
    expect((res.body['inbox'] as Array<{ id: string }>).map((m) => m.id)).toEqual(['msg-1'])
  })

  it('erases a person everywhere and says what each store removed', async () => {
    const res = await req(server.keys.admin, 'DELETE', '/v1/profiles/c-1')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ customerId: 'c-1', removed: { profiles: expect.any(Number), inbox: 1, decisionLog: 1 } })
    expect((res.body['removed'] as Record<string, number>)['profiles']).toBeGreaterThan(0)
    expect(await store.get('c-1')).toBeUndefined()
    expect((await req(server.keys.read, 'POST', '/v1/profiles/lookup', { identity: { email: 'c1@example.jp' } })).status).toBe(404)
    expect((await req(server.keys.read, 'GET', '/v1/profiles/c-1')).status).toBe(404)
    expect((await req(server.keys.read, 'GET', '/v1/customers/c-1/inbox')).body['messages']).toEqual([])
  })

  it('erases by identifier', async () => {
    await hub.publish({ type: 'page.viewed', source: 'web', identity: { customerId: 'c-2', phone: '+81312345678' } })
    await hub.drain()
    const res = await req(server.keys.admin, 'POST', '/v1/profiles/erase', { identity: { phone: '+81312345678' } })
    expect(res.body).toMatchObject({ customerId: 'c-2', removed: { profiles: expect.any(Number) } })
    expect(await store.get('c-2')).toBeUndefined()
    expect((await req(server.keys.admin, 'POST', '/v1/profiles/erase', { identity: { phone: '+81312345678' } })).status).toBe(404)
  })
})

describe('decisions', () => {
  it('answers a pull decision and lists it as an explanation', async () => {
    const res = await req(server.keys.decide, 'POST', '/v1/decide', { identity: { customerId: 'c-9' }, placement: 'callcenter.agent', context: { queue: 'vip' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ actions: [{ actionId: 'welcome' }], decision: { placement: 'callcenter.agent' } })
    const log = await req(server.keys.read, 'GET', '/v1/customers/c-9/decisions?limit=5')
    expect(log.body['decisions']).toEqual([expect.objectContaining({ customerId: 'c-9', candidates: [expect.objectContaining({ actionId: 'welcome', status: 'won' })] })])
    expect((await req(server.keys.read, 'GET', '/v1/customers/c-9/decisions?since=2999-01-01T00:00:00Z')).body['decisions']).toEqual([])
  })

  it('names the bad field of a pull request', async () => {
    const res = await req(server.keys.decide, 'POST', '/v1/decide', { identity: { customerId: 'c-9' }, limit: 0 })
    expect(res.status).toBe(400)
    expect(res.body.error!.message).toMatch(/placement/)
    expect(res.body.error!.message).toMatch(/limit/)
    const q = await req(server.keys.read, 'GET', '/v1/customers/c-9/decisions?limit=lots')
    expect(q.status).toBe(400)
    expect(q.body.error!.message).toMatch(/limit/)
  })
})

describe('inbox', () => {
  it('lists, marks read and deletes', async () => {
    const inbox = hub.get(Tokens.InboxStore)
    await inbox.put({ id: 'm-a', customerId: 'c-5', title: 'A', createdAt: '2026-01-01T00:00:00.000Z' })
    await inbox.put({ id: 'm-b', customerId: 'c-5', title: 'B', createdAt: '2026-01-02T00:00:00.000Z' })
    expect(((await req(server.keys.read, 'GET', '/v1/customers/c-5/inbox')).body['messages'] as Array<{ id: string }>).map((m) => m.id)).toEqual(['m-b', 'm-a'])
    expect((await req(server.keys.ingest, 'POST', '/v1/customers/c-5/inbox/m-a/read')).body).toEqual({ read: true })
    expect(((await req(server.keys.read, 'GET', '/v1/customers/c-5/inbox?unreadOnly=true')).body['messages'] as Array<{ id: string }>).map((m) => m.id)).toEqual(['m-b'])
    expect((await req(server.keys.ingest, 'DELETE', '/v1/customers/c-5/inbox/m-b')).body).toEqual({ deleted: true })
    expect((await req(server.keys.ingest, 'DELETE', '/v1/customers/c-5/inbox/m-b')).status).toBe(404)
    expect((await req(server.keys.ingest, 'POST', '/v1/customers/c-5/inbox/nope/read')).status).toBe(404)
  })
})

describe('dead letters', () => {
  it('lists dead letters and re-drives one', async () => {
    await hub.publish({ id: 'boom-1', type: 'page.viewed', source: 'web', identity: { customerId: 'c-7' }, data: { explode: true } })
    await hub.drain()
    const list = await req(server.keys.admin, 'GET', '/v1/admin/dead-letters')
    expect(list.body['total']).toBe(1)
    const letter = (list.body['deadLetters'] as Array<{ id: string; stage: string; event: { id: string } }>)[0]!
    expect(letter).toMatchObject({ stage: 'decide', event: { id: 'boom-1' } })
    exploder.enabled = false
    const processed: string[] = []
    hub.hooks.on('event.processed', (c) => void processed.push(c.event.id))
    const redrive = await req(server.keys.admin, 'POST', `/v1/admin/dead-letters/${letter.id}/redrive`)
    expect(redrive.status).toBe(202)
    await hub.drain()
    expect(processed).toEqual(['boom-1'])
    expect((await req(server.keys.admin, 'GET', '/v1/admin/dead-letters')).body['total']).toBe(0)
    expect((await req(server.keys.admin, 'POST', `/v1/admin/dead-letters/${letter.id}/redrive`)).status).toBe(404)
  })
})

describe('system', () => {
  it('reports health and readiness', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready' })
  })

  it('exposes Prometheus metrics that move with traffic', async () => {
    const scrape = async () => (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.keys.admin}` } })).text()
    await req(server.keys.ingest, 'POST', '/v1/events', { type: 'page.viewed', source: 'web', identity: { anonymousId: 'm1' } })
    await req(server.keys.ingest, 'POST', '/v1/events', { type: 'page.viewed', source: 'web' })
    const text = await scrape()
    expect(text).toMatch(/omotenashi_events_accepted_total\{type="page.viewed"\} \d+/)
    expect(text).toMatch(/omotenashi_events_rejected_total\{code="E_VALIDATION"\} [1-9]/)
    expect(text).toMatch(/omotenashi_decisions_total\{kind="pull"\} [1-9]/)
    expect(text).toMatch(/omotenashi_dead_letters_total\{stage="decide"\} 1/)
    expect(text).toMatch(/omotenashi_dead_letters_waiting 0/)
    expect(text).toMatch(/omotenashi_http_request_duration_seconds_count\{method="POST",route="\/v1\/events",status="200"\} [1-9]/)
  })

  it('serves an OpenAPI 3.1 document built from the catalogue, every $ref resolving', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }
    expect(doc.openapi).toBe('3.1.0')
    for (const type of hub.catalog.types()) expect(doc.components.schemas[type], type).toBeDefined()
    expect(doc.components.schemas['segment.track']).toBeDefined()
    const checkout = doc.components.schemas['pos.purchased'] as { allOf: Array<{ required?: string[]; properties?: Record<string, { properties?: Record<string, unknown> }> }> }
    expect(checkout.allOf[1]!.required).toEqual(expect.arrayContaining(['identity', 'storeId']))
    expect(Object.keys(checkout.allOf[1]!.properties!['data']!.properties!)).toEqual(expect.arrayContaining(['transactionId', 'items', 'total', 'currency']))
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!)
    expect(refs.length).toBeGreaterThan(40)
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined()
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events/batch', '/v1/batch', '/v1/cloudevents', '/v1/profiles/{customerId}', '/v1/decide', '/metrics']))
  })
})
