// The analytics.js / analytics-next browser paths: text/plain JSON, write key in the body, the
// same validation, dedupe and partial-batch report as the server-side Tracking API.
import type { Hub, OmoEvent } from '@omotenashi/core'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { testHub } from '../test-support.js'
import { startTestServer, type TestServer } from '../testing/index.js'

let hub: Hub
let server: TestServer
let accepted: OmoEvent[] = []

beforeAll(async () => {
  ;({ hub } = await testHub())
  hub.hooks.on('event.accepted', (e) => accepted.push(e))
  server = await startTestServer(hub)
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})
beforeEach(() => {
  accepted = []
})

const send = (path: string, body: unknown) => fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) })

it('each short path takes its kind, with the write key in a text/plain body; a repeat messageId is a duplicate', async () => {
  const writeKey = server.keys.ingest
  const calls: Array<[string, Record<string, unknown>, string]> = [
    ['/v1/t', { event: 'Product Viewed', properties: { product_id: 'S-1' } }, 'product.viewed'],
    ['/v1/p', { name: 'Home', properties: { path: '/' } }, 'page.viewed'],
    ['/v1/i', { traits: { tier: 'gold' } }, 'profile.traits_updated'],
    ['/v1/s', { name: 'Cart' }, 'screen.viewed'],
    ['/v1/g', { groupId: 'g-1' }, 'segment.group'],
    ['/v1/a', { userId: 'u-9', previousId: 'anon-9' }, 'identity.linked'],
  ]
  for (const [path, message, type] of calls) {
    const res = await send(path, { writeKey, anonymousId: 'anon-9', messageId: `m${path}`, ...message })
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200)
    expect(accepted.at(-1)?.type).toBe(type)
  }
  const again = await send('/v1/t', { writeKey, anonymousId: 'anon-9', messageId: 'm/v1/t', event: 'Product Viewed' })
  expect(await again.json()).toMatchObject({ success: true, id: 'm/v1/t', duplicate: true })
  expect(accepted).toHaveLength(6)
})

it('refuses a wrong kind, a missing or wrong write key, and reports a partial /v1/b batch by index', async () => {
  const writeKey = server.keys.ingest
  const wrongKind = await send('/v1/t', { writeKey, type: 'page', anonymousId: 'a', event: 'X' })
  expect(wrongKind.status).toBe(400)
  expect(await wrongKind.text()).toContain('this endpoint takes \\"track\\"')
  expect((await send('/v1/t', { anonymousId: 'a', event: 'X' })).status).toBe(401)
  expect((await send('/v1/p', { writeKey: 'nope', anonymousId: 'a' })).status).toBe(401)
  expect((await send('/v1/i', { writeKey: server.keys.read, anonymousId: 'a' })).status).toBe(403)
  const batch = await send('/v1/b', {
    writeKey,
    sentAt: new Date().toISOString(),
    batch: [
      { type: 'track', anonymousId: 'b-1', event: 'Clicked', messageId: 'b-ok-1' },
      { type: 'track', anonymousId: 'b-1' },
      { type: 'alias', userId: 'u' },
      { type: 'page', anonymousId: 'b-1', messageId: 'b-ok-2' },
    ],
  })
  expect(batch.status).toBe(207)
  const report = (await batch.json()) as { accepted: Array<{ index: number }>; rejected: Array<{ index: number; message: string }> }
  expect(report.accepted.map((a) => a.index)).toEqual([0, 3])
  expect(report.rejected.map((r) => [r.index, r.message])).toEqual([
    [1, expect.stringContaining('event')],
    [2, expect.stringContaining('previousId')],
  ])
  expect(accepted.map((e) => e.id)).toEqual(['b-ok-1', 'b-ok-2'])
})
