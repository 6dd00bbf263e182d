import { gzipSync } from 'node:zlib'
import { toCloudEvent, type Hub, type OmoEvent } from '@omotenashi/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { processedIds, testHub } from '../test-support.js'
import { startTestServer, type TestServer } from '../testing/index.js'

let hub: Hub
let server: TestServer
let processed: string[]

beforeEach(async () => {
  ;({ hub } = await testHub())
  processed = processedIds(hub)
  server = await startTestServer(hub, { limits: { maxEventBytes: 2048, maxBatchBytes: 64 * 1024, maxBatchItems: 50 } })
})
afterEach(async () => {
  await server.close()
  await hub.stop()
})

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.keys.ingest}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
  })
const view = (n: number, extra: Record<string, unknown> = {}) => ({ id: `ev-${n}`, type: 'page.viewed', source: 'web', identity: { anonymousId: `anon-${n % 7}` }, data: { path: `/p/${n}` }, ...extra })

describe('native ingest', () => {
  it('accepts the good items of a batch and reports each bad one by index and reason', async () => {
    const res = await post('/v1/events/batch', {
      events: [view(1), { type: 'page.viewed', source: 'web' }, view(2), { type: 'no.such_type', source: 'web', identity: { anonymousId: 'x' } }, 'junk', view(3, { time: 'yesterday' }), null],
    })
    expect(res.status).toBe(207)
    const body = (await res.json()) as { accepted: Array<{ index: number; id: string }>; rejected: Array<{ index: number; code: string; issues: Array<{ path: string }> }> }
    expect(body.accepted.map((a) => a.index)).toEqual([0, 2])
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'E_VALIDATION'],
      [3, 'E_UNKNOWN_EVENT_TYPE'],
      [4, 'E_VALIDATION'],
      [5, 'E_VALIDATION'],
      [6, 'E_VALIDATION'],
    ])
    expect(body.rejected[0]!.issues.map((i) => i.path)).toContain('identity')
    expect(body.rejected[3]!.issues.map((i) => i.path)).toContain('time')
    await hub.drain()
    expect(processed.sort()).toEqual(['ev-1', 'ev-2'])
  })

  it('answers 400 with an error when every item is refused, 200 when all pass', async () => {
    const bad = await post('/v1/events/batch', [{ type: 'x' }])
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('E_VALIDATION')
    const good = await post('/v1/events/batch', [view(10), view(11)])
    expect(good.status).toBe(200)
  })

  it('is idempotent on the event id: a resent event is reported as a duplicate and processed once', async () => {
    expect((await post('/v1/events', view(20))).status).toBe(200)
    const again = await post('/v1/events', view(20))
    expect(await again.json()).toEqual({ index: 0, id: 'ev-20', duplicate: true })
    const batch = (await (await post('/v1/events/batch', [view(20), view(21), view(21)])).json()) as { accepted: Array<{ duplicate?: boolean }> }
    expect(batch.accepted.map((a) => a.duplicate ?? false)).toEqual([true, false, true])
    await hub.drain()
    expect(processed.filter((id) => id === 'ev-20')).toHaveLength(1)
    expect(processed.filter((id) => id === 'ev-21')).toHaveLength(1)
  })

  it('lets a corrected event through after its id was refused', async () => {
    expect((await post('/v1/events', { ...view(30), identity: undefined })).status).toBe(400)
    expect((await post('/v1/events', view(30))).status).toBe(200)
    await hub.drain()
    expect(processed).toContain('ev-30')
  })

  it('refuses an event over the per-event limit (413 alone, by index in a batch)', async () => {
    const big = view(40, { data: { path: 'x'.repeat(3000) } })
    const one = await post('/v1/events', big)
    expect(one.status).toBe(413)
    expect(((await one.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'E_TOO_LARGE' })
    const res = await post('/v1/events/batch', [view(41), big])
    expect(res.status).toBe(207)
    const body = (await res.json()) as { rejected: Array<{ index: number; code: string; message: string }> }
    expect(body.rejected[0]).toMatchObject({ index: 1, code: 'E_TOO_LARGE' })
    expect(body.rejected[0]!.message).toMatch(/limit is 2048/)
  })

  it('refuses batches with too many items or bytes with 413 and a clear body', async () => {
    const many = await post('/v1/events/batch', Array.from({ length: 51 }, (_, i) => view(100 + i)))
    expect(many.status).toBe(413)
    expect(((await many.json()) as { error: { message: string } }).error.message).toMatch(/at most 50 events/)
    const huge = await post('/v1/events/batch', Array.from({ length: 40 }, (_, i) => view(200 + i, { data: { path: 'y'.repeat(1900) } })))
    expect(huge.status).toBe(413)
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('E_TOO_LARGE')
    await hub.drain()
    expect(processed).toHaveLength(0)
  })

  it('inflates gzip bodies and refuses bad encodings clearly', async () => {
    const gz = gzipSync(JSON.stringify([view(50), view(51)]))
    const ok = await post('/v1/events/batch', gz, { 'content-encoding': 'gzip' })
    expect(ok.status).toBe(200)
    const broken = await post('/v1/events/batch', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBeDefined()
    const br = await post('/v1/events/batch', gz, { 'content-encoding': 'br' })
    expect(br.status).toBe(415)
    // A gzip bomb: small on the wire, over the body limit inflated.
    const bomb = gzipSync(JSON.stringify([{ pad: 'z'.repeat(200_000) }]))
    expect(bomb.length).toBeLessThan(64 * 1024)
    expect((await post('/v1/events/batch', bomb, { 'content-encoding': 'gzip' })).status).toBe(413)
    await hub.drain()
    expect(processed.sort()).toEqual(['ev-50', 'ev-51'])
  })
})

describe('CloudEvents ingest', () => {
  it('takes a structured CloudEvent and gives back the same event', async () => {
    let seen: OmoEvent | undefined
    hub.hooks.on('event.accepted', (e) => (seen = e))
    const original = { ...view(60), time: '2026-03-01T10:00:00.000Z', storeId: 'shibuya', identity: { anonymousId: 'a', memberNo: 'M1' } }
    const ce = toCloudEvent({ ...original, data: { path: '/p/60' } } as OmoEvent)
    const res = await post('/v1/cloudevents', ce, { 'content-type': 'application/cloudevents+json' })
    expect(res.status).toBe(200)
    expect(seen).toMatchObject({ id: 'ev-60', type: 'page.viewed', storeId: 'shibuya', identity: { anonymousId: 'a', memberNo: 'M1' }, data: { path: '/p/60' } })
  })

  it('takes a batch and reports malformed CloudEvents by index', async () => {
    const good = { specversion: '1.0', id: 'ce-1', source: 'web', type: 'page.viewed', anonymousid: 'a1', data: {} }
    const res = await post('/v1/cloudevents', [good, { specversion: '0.3', id: 'ce-2' }, { ...good, id: 'ce-3' }], { 'content-type': 'application/cloudevents-batch+json' })
    expect(res.status).toBe(207)
    const body = (await res.json()) as { accepted: Array<{ id: string }>; rejected: Array<{ index: number; issues: Array<{ path: string }> }> }
    expect(body.accepted.map((a) => a.id)).toEqual(['ce-1', 'ce-3'])
    expect(body.rejected[0]!.index).toBe(1)
    expect(body.rejected[0]!.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['specversion', 'source', 'type']))
  })

  it('refuses malformed JSON in a CloudEvents body clearly', async () => {
    const res = await post('/v1/cloudevents', '{"specversion":', { 'content-type': 'application/cloudevents+json' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { code: 'E_BAD_REQUEST', message: 'the body is not valid JSON' } })
  })
})
