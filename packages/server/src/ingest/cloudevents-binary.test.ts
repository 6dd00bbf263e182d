// CloudEvents HTTP binary content mode, driven by the official `cloudevents` SDK's HTTP binding
// (its emitter in binary mode) against a real server on 127.0.0.1, plus hand-made bad requests.
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents'
import { expect, it } from 'vitest'
import { serverPerTest } from '../test-support.js'

const ctx = serverPerTest()

const post = (headers: Record<string, string>, body: string) =>
  fetch(`${ctx.server.url}/v1/cloudevents`, { method: 'POST', headers: { authorization: `Bearer ${ctx.server.keys.ingest}`, ...headers }, body })

it('the cloudevents SDK in binary mode delivers: ce-* headers become attributes, the body the data; events reach profiles', async () => {
  const emit = emitterFor(httpTransport(`${ctx.server.url}/v1/cloudevents`), { mode: Mode.BINARY })
  const auth = { headers: { authorization: `Bearer ${ctx.server.keys.ingest}` } }
  const traits = new CloudEvent({
    id: 'ce-bin-1',
    source: 'pos',
    type: 'profile.traits_updated',
    time: '2026-03-02T01:00:00Z',
    loyaltyid: 'L-77',
    storeid: 'store-7',
    datacontenttype: 'application/json',
    data: { traits: { tier: 'gold', nickname: 'はなこ' } },
  })
  const viewed = new CloudEvent({ id: 'ce-bin-2', source: 'web', type: 'product.viewed', loyaltyid: 'L-77', data: { sku: 'SKU-9', price: 4800, currency: 'JPY' } })
  const replies = [await emit(traits, auth), await emit(viewed, auth), await emit(viewed, auth)]
  await ctx.hub.drain()
  expect(replies.map((r) => JSON.parse((r as { body: string }).body))).toEqual([{ index: 0, id: 'ce-bin-1' }, { index: 0, id: 'ce-bin-2' }, { index: 0, id: 'ce-bin-2', duplicate: true }])
  expect(ctx.accepted.map((e) => e.id)).toEqual(['ce-bin-1', 'ce-bin-2'])
  const first = ctx.accepted[0]!
  expect(first).toMatchObject({ type: 'profile.traits_updated', source: 'pos', time: '2026-03-02T01:00:00.000Z', storeId: 'store-7', identity: { loyaltyId: 'L-77' } })
  const profile = (await ctx.store.resolve({ loyaltyId: 'L-77' }, { create: false })).profileId
  const stored = (await ctx.store.get(profile!))!
  // Non-ASCII data survives (the body is UTF-8 JSON); the view is an interest on the same profile.
  expect(stored.traits).toMatchObject({ tier: { value: 'gold' }, nickname: { value: 'はなこ' } })
  expect(stored.interests['SKU-9']?.viewed).toBeDefined()
})

it('percent-encoded header values are decoded (HTTP binding 3.1.3.2)', async () => {
  const res = await post(
    { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'pct-1', 'ce-source': 'shop%2Dtokyo', 'ce-type': 'product.viewed', 'ce-subject': '%E5%95%86%E5%93%81', 'ce-loyaltyid': 'L-1' },
    JSON.stringify({ sku: 'A' }),
  )
  expect(res.status).toBe(200)
  await ctx.hub.drain()
  expect(ctx.accepted[0]).toMatchObject({ id: 'pct-1', source: 'shop-tokyo', subject: '商品' })
})

it.each([
  ['ce-id', { 'ce-source': 'web', 'ce-type': 'product.viewed' }],
  ['ce-source', { 'ce-id': 'a', 'ce-type': 'product.viewed' }],
  ['ce-type', { 'ce-id': 'a', 'ce-source': 'web' }],
])('a missing %s is a 400 naming the header', async (header, headers) => {
  const res = await post({ 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-loyaltyid': 'L-1', ...headers }, '{"sku":"A"}')
  expect(res.status).toBe(400)
  const body = (await res.json()) as { error: { message: string; issues: Array<{ path: string }> } }
  expect(body.error.message).toContain(header)
  expect(body.error.issues.map((i) => i.path)).toEqual([header])
  expect(ctx.accepted).toHaveLength(0)
})

it('other bad binary-mode input: every answer names the header or the content type', async () => {
  const base = { 'ce-specversion': '1.0', 'ce-id': 'b1', 'ce-source': 'web', 'ce-type': 'product.viewed', 'ce-loyaltyid': 'L-1' }
  const cases: Array<[Record<string, string>, string, number, string]> = [
    [{ ...base, 'content-type': 'application/json', 'ce-specversion': '0.3' }, '{}', 400, 'ce-specversion'],
    [{ ...base, 'content-type': 'application/json', 'ce-time': 'yesterday' }, '{}', 400, 'ce-time'],
    [{ ...base, 'content-type': 'application/json', 'ce-subject': '%E5%9' }, '{}', 400, 'ce-subject'],
    [{ ...base, 'content-type': 'application/json', 'ce-bad_name': 'x' }, '{}', 400, 'ce-bad_name'],
    [{ ...base, 'content-type': 'application/json', 'ce-datacontenttype': 'text/xml' }, '{}', 400, 'ce-datacontenttype'],
    [{ ...base, 'content-type': 'application/json' }, '{"sku":', 400, 'JSON'],
    [{ ...base, 'content-type': 'application/xml' }, '<a/>', 415, 'application/xml'],
    [{ ...base, 'content-type': 'application/json', 'ce-type': 'no.such.type' }, '{}', 400, 'unknown event type'],
  ]
  for (const [headers, body, status, named] of cases) {
    const res = await post(headers, body)
    const text = await res.text()
    expect(res.status, `${JSON.stringify(headers)} → ${text}`).toBe(status)
    expect(text, text).toContain(named)
  }
  // Without a key nothing is read; structured mode still wins over stray ce- headers.
  const anonymous = await fetch(`${ctx.server.url}/v1/cloudevents`, { method: 'POST', headers: { ...base, 'content-type': 'application/json' }, body: '{}' })
  expect(anonymous.status).toBe(401)
  const structured = await post({ ...base, 'content-type': 'application/cloudevents+json' }, JSON.stringify({ specversion: '1.0', id: 's1', source: 'web', type: 'product.viewed', loyaltyid: 'L-2', data: { sku: 'S' } }))
  expect(structured.status).toBe(200)
  await ctx.hub.drain()
  expect(ctx.accepted.map((e) => e.id)).toEqual(['s1'])
})
