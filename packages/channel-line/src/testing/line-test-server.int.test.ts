import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MESSAGING_API_SPEC } from '../contract-paths.test-support.js'
import { LineTestServer } from './line-test-server.js'

// Raw fetch, not the SDK: these tests send what the SDK's types would not let through.
describe('LineTestServer', () => {
  let line: LineTestServer
  beforeAll(async () => {
    line = await LineTestServer.start({ spec: MESSAGING_API_SPEC, channelAccessToken: 'tok' })
  })
  afterAll(async () => {
    await line.close()
  })
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${line.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  it('refuses a text message without text (the discriminator is enforced), with LINE\'s error shape', async () => {
    const response = await post('/v2/bot/message/push', { to: 'U1', messages: [{ type: 'text' }] })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ message: 'The request body has 1 error(s)', details: [{ message: "must have required property 'text'", property: 'messages.0' }] })
    expect(line.deliveries).toHaveLength(0)
  })

  it('refuses unknown message types, bad nested flex parts, too many recipients and a non-UUID retry key', async () => {
    expect((await post('/v2/bot/message/push', { to: 'U1', messages: [{ type: 'txt', text: 'x' }] })).status).toBe(400)
    const flex = { type: 'flex', altText: 'a', contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'button' }] } } }
    const bad = await post('/v2/bot/message/push', { to: 'U1', messages: [flex] })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(await bad.json())).toMatch(/action/)
    expect((await post('/v2/bot/message/multicast', { to: Array.from({ length: 501 }, (_, i) => `U${i}`), messages: [{ type: 'text', text: 'x' }] })).status).toBe(400)
    expect((await post('/v2/bot/message/push', { to: 'U1', messages: [{ type: 'text', text: 'x' }] }, { 'x-line-retry-key': 'not-a-uuid' })).status).toBe(400)
    expect(line.deliveries).toHaveLength(0)
  })

  it('accepts what the contract allows, and answers the same retry key with 409', async () => {
    const key = '123e4567-e89b-12d3-a456-426614174000'
    const first = await post('/v2/bot/message/push', { to: 'U1', messages: [{ type: 'text', text: 'hi' }] }, { 'x-line-retry-key': key })
    expect(first.status).toBe(200)
    expect(((await first.json()) as { sentMessages: unknown[] }).sentMessages).toHaveLength(1)
    const second = await post('/v2/bot/message/push', { to: 'U1', messages: [{ type: 'text', text: 'hi' }] }, { 'x-line-retry-key': key })
    expect(second.status).toBe(409)
    expect(second.headers.get('x-line-accepted-request-id')).toBe(line.deliveries[0]!.requestId)
    expect(line.deliveries).toHaveLength(1)
  })

  it('refuses a missing or wrong token with 401 and unimplemented operations with 501', async () => {
    const noAuth = await fetch(`${line.url}/v2/bot/message/push`, { method: 'POST', body: '{}' })
    expect(noAuth.status).toBe(401)
    expect((await post('/v2/bot/message/broadcast', { messages: [{ type: 'text', text: 'x' }] })).status).toBe(501)
    expect(line.responseViolations).toEqual([])
  })

  it('enforces a server-side rate limit with 429', async () => {
    const limited = await LineTestServer.start({ spec: MESSAGING_API_SPEC, rateLimit: { push: 5 } })
    try {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${limited.url}/v2/bot/message/push`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: JSON.stringify({ to: 'U1', messages: [{ type: 'text', text: 'x' }] }) }).then((r) => r.status),
        ),
      )
      expect(statuses.filter((s) => s === 200)).toHaveLength(5)
      expect(statuses.filter((s) => s === 429)).toHaveLength(5)
    } finally {
      await limited.close()
    }
  })
})
