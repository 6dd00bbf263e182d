import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHub, Tokens, VirtualClock, type Hub, type OmoEvent } from '@omotenashi/core'
import { describeConnectorContract } from '@omotenashi/core/testing'
import Fastify from 'fastify'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLineParts } from './assemble.js'
import { signLineBody } from './signature.js'
import { MESSAGING_API_SPEC, WEBHOOK_SPEC } from './contract-paths.test-support.js'
import { lineWebhookFastify } from './fastify-plugin.js'
import { lineChannel, LineTokens } from './module.js'
import { LineTestServer, lineEvents, lineUserId, OpenApiContract, signedWebhook, webhookBody } from './testing/index.js'

const SECRET = 'channel-secret'
let webhookContract: OpenApiContract
beforeAll(() => {
  webhookContract = new OpenApiContract(WEBHOOK_SPEC)
})

/** Every body posted here is first checked against LINE's webhook contract. */
function valid<T>(body: T): T {
  expect(webhookContract.validateSchema('CallbackRequest', body)).toEqual([])
  return body
}

const visit = {
  id: 'visit',
  questions: [{ id: 'how', text: { ja: '今日はいかがでしたか？', en: 'How was today?' }, answers: [{ id: 'great', label: { ja: 'よかった', en: 'Great' } }, { id: 'hotel_bad', label: { ja: 'ホテルが残念', en: 'Hotel was poor' } }] }],
}

interface Rig {
  hub: Hub
  url: string
  events: OmoEvent[]
  post: (body: unknown, signature?: string) => Promise<{ status: number; json: Record<string, unknown> }>
  close: () => Promise<void>
}

/** A hub with the LINE module, its HttpRoute mounted on a plain Node server (as @omotenashi/server would). */
async function rig(options: { clock?: VirtualClock; baseUrl?: string; start?: boolean } = {}): Promise<Rig> {
  const hub = await createHub({
    ...(options.clock ? { clock: options.clock } : {}),
    modules: [lineChannel({ channelAccessToken: 't', channelSecret: SECRET, surveys: [visit], surveyAnswerWindowMs: 10 * 60_000, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } })],
  })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => void events.push(e))
  const route = hub.container.getAll(Tokens.HttpRoute).find((r) => r.path === '/webhooks/line')!
  expect(route).toMatchObject({ method: 'POST', access: 'public' })
  const server: Server = createServer((req, res) => {
    if (req.method === route.method && req.url === route.path) void route.handle(req, res, {})
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/line`
  if (options.start !== false) await hub.start()
  return {
    hub,
    url,
    events,
    post: async (body, signature) => {
      const signed = signedWebhook(body, SECRET)
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signature ?? signed.signature }, body: signed.raw })
      return { status: response.status, json: (await response.json()) as Record<string, unknown> }
    },
    close: async () => {
      await hub.stop()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

describe('LINE webhook (through the hub\'s HttpRoute)', () => {
  let r: Rig | undefined
  afterEach(async () => {
    await r?.close()
    r = undefined
  })

  it('turns follow, unfollow, message and postback into hub events tied to the LINE user', async () => {
    r = await rig()
    const user = lineUserId()
    const ts = Date.parse('2026-05-01T09:00:00Z')
    const body = valid(
      webhookBody([
        lineEvents.follow({ userId: user, timestamp: ts, unblocked: true }),
        lineEvents.text({ userId: user, timestamp: ts + 1, text: 'こんにちは', messageId: '100' }),
        lineEvents.postback({ userId: user, timestamp: ts + 2, data: 'action=coupon&id=7' }),
        lineEvents.unfollow({ userId: user, timestamp: ts + 3 }),
      ]),
    )
    const answer = await r.post(body)
    expect(answer).toEqual({ status: 200, json: { received: 4, ingested: 4, duplicates: 0, ignored: 0, rejected: 0 } })
    await r.hub.drain()
    expect(r.events.map((e) => [e.type, e.identity, e.source])).toEqual([
      ['line.followed', { lineUserId: user }, 'line'],
      ['line.message_received', { lineUserId: user }, 'line'],
      ['line.postback_received', { lineUserId: user }, 'line'],
      ['line.unfollowed', { lineUserId: user }, 'line'],
    ])
    expect(r.events[0]!.data).toEqual({ unblocked: true })
    expect(r.events[1]!.data).toMatchObject({ messageId: '100', messageType: 'text', text: 'こんにちは' })
    expect(r.events[2]!.data).toMatchObject({ postback: 'action=coupon&id=7' })
    expect(r.events[3]!.time).toBe('2026-05-01T09:00:00.003Z')
    expect(r.events[0]!.id).toBe(`line:${(body.events[0] as { webhookEventId: string }).webhookEventId}`)
  })

  it('refuses a forged or missing signature with 401 and takes nothing in', async () => {
    r = await rig()
    const body = valid(webhookBody([lineEvents.follow({ userId: lineUserId() })]))
    const forged = signedWebhook(body, 'not-the-secret').signature
    expect(await r.post(body, forged)).toMatchObject({ status: 401, json: { error: { code: 'E_UNAUTHORIZED' } } })
    const response = await fetch(r.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(response.status).toBe(401)
    await r.hub.drain()
    expect(r.events).toEqual([])
  })

  it('answers a malformed body with 400 and the reason', async () => {
    r = await rig()
    const notJson = Buffer.from('{"destination":')
    // Properly signed, so it is refused for its content, not its signature.
    const res = await fetch(r.url, { method: 'POST', headers: { 'x-line-signature': signLineBody(notJson, SECRET) }, body: notJson })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^body is not JSON/)
    const noEvents = await r.post({ destination: 'U1' })
    expect(noEvents.status).toBe(400)
    expect((noEvents.json['error'] as { message: string }).message).toBe('body is not a LINE webhook: events: Invalid input: expected array, received undefined')
    const badEvent = await r.post({ destination: 'U1', events: [{ type: 'follow', timestamp: 'yesterday' }] })
    expect((badEvent.json['error'] as { message: string }).message).toMatch(/events\.0\.timestamp/)
    await r.hub.drain()
    expect(r.events).toEqual([])
  })

  it('answers LINE\'s verification (no events) with 200', async () => {
    r = await rig()
    expect(await r.post(valid(webhookBody([])))).toEqual({ status: 200, json: { received: 0 } })
  })

  it('drops redeliveries by webhookEventId', async () => {
    r = await rig()
    const event = lineEvents.text({ userId: lineUserId(), text: 'hi' })
    await r.post(valid(webhookBody([event])))
    const again = await r.post(valid(webhookBody([{ ...event, deliveryContext: { isRedelivery: true } }])))
    expect(again.json).toMatchObject({ received: 1, ingested: 0, duplicates: 1 })
    await r.hub.drain()
    expect(r.events).toHaveLength(1)
  })

  it('answers 503 while the hub is not running, so LINE redelivers later', async () => {
    r = await rig({ start: false })
    const answer = await r.post(valid(webhookBody([lineEvents.follow({ userId: lineUserId() })])))
    expect(answer.status).toBe(503)
  })

  it('turns survey postbacks into survey.answered, and a free-text reply within the window into an answer', async () => {
    const clock = new VirtualClock('2026-05-01T09:00:00Z')
    const line = await LineTestServer.start({ spec: MESSAGING_API_SPEC })
    try {
      r = await rig({ clock, baseUrl: line.url })
      const user = lineUserId()
      const channel = r.hub.get(LineTokens.Channel)
      const asked = await channel.send({ actionId: 'ask', content: { line: { survey: { surveyId: 'visit', questionId: 'how' } } } }, { customerId: 'c1', identifiers: { lineUserId: [user] }, locale: 'en' }, { idempotencyKey: 'ask-1' })
      expect(asked.status).toBe('sent')
      const question = line.deliveredTo(user)[0]!.messages[0] as { text: string; quickReply: { items: Array<{ action: { data: string } }> } }
      expect(question.text).toBe('How was today?')
      // The user taps the quick reply: LINE posts back exactly the data we put on the button.
      const tapped = question.quickReply.items[1]!.action.data
      await r.post(valid(webhookBody([lineEvents.postback({ userId: user, data: tapped, timestamp: clock.now() + 60_000 })])))
      await r.hub.drain()
      const answered = r.events.find((e) => e.type === 'survey.answered')!
      expect(answered.identity).toEqual({ lineUserId: user })
      expect(answered.data).toEqual({ surveyId: 'visit', questionId: 'how', answer: 'hotel_bad', question: '今日はいかがでしたか？', via: 'postback' })
      expect(answered.causationId).toBe(r.events.find((e) => e.type === 'line.postback_received')!.id)

      // Free text: attached within the window, not after it.
      await channel.send({ actionId: 'ask', content: { line: { survey: { surveyId: 'visit', questionId: 'how' } } } }, { customerId: 'c1', identifiers: { lineUserId: [user] } }, { idempotencyKey: 'ask-2' })
      await clock.advance(5 * 60_000)
      await r.post(valid(webhookBody([lineEvents.text({ userId: user, text: '部屋が寒かった', timestamp: clock.now() })])))
      await channel.send({ actionId: 'ask', content: { line: { survey: { surveyId: 'visit', questionId: 'how' } } } }, { customerId: 'c1', identifiers: { lineUserId: [user] } }, { idempotencyKey: 'ask-3' })
      await clock.advance(11 * 60_000)
      await r.post(valid(webhookBody([lineEvents.text({ userId: user, text: 'unrelated later message', timestamp: clock.now() })])))
      await r.hub.drain()
      const answers = r.events.filter((e) => e.type === 'survey.answered').map((e) => e.data)
      expect(answers).toEqual([
        expect.objectContaining({ answer: 'hotel_bad', via: 'postback' }),
        { surveyId: 'visit', questionId: 'how', answer: '部屋が寒かった', question: '今日はいかがでしたか？', via: 'free_text' },
      ])
    } finally {
      await line.close()
    }
  })
})

describe('lineWebhookFastify', () => {
  it('verifies the signature on the raw bytes and takes events in', async () => {
    const parts = createLineParts({ channelAccessToken: 't', channelSecret: SECRET })
    const emitted: string[] = []
    await parts.connector.start(async (e) => {
      emitted.push(e.type)
      return { ok: true, id: e.id ?? 'x' }
    })
    const app = Fastify()
    await app.register(lineWebhookFastify, { handler: parts.webhook })
    // A JSON route elsewhere in the app keeps Fastify's own parser.
    app.post('/other', async (request) => request.body)
    const body = valid(webhookBody([lineEvents.follow({ userId: lineUserId() })]))
    // Odd spacing: re-serialising the parsed JSON would change the bytes and break the signature.
    const raw = Buffer.from(JSON.stringify(body, null, 3))
    const ok = await app.inject({ method: 'POST', url: '/webhooks/line', headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': signLineBody(raw, SECRET) }, payload: raw })
    expect(ok.statusCode).toBe(200)
    expect(emitted).toEqual(['line.followed'])
    const forged = await app.inject({ method: 'POST', url: '/webhooks/line', headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(raw, 'nope') }, payload: raw })
    expect(forged.statusCode).toBe(401)
    expect(emitted).toHaveLength(1)
    const other = await app.inject({ method: 'POST', url: '/other', payload: { a: 1 } })
    expect(other.json()).toEqual({ a: 1 })
    await app.close()
  })
})

describeConnectorContract('LINE webhook connector', async () => {
  const parts = createLineParts({ channelAccessToken: 't', channelSecret: SECRET })
  return {
    connector: parts.connector,
    trigger: async () => {
      const signed = signedWebhook(webhookBody([lineEvents.follow({ userId: lineUserId() })]), SECRET)
      await parts.webhook.handleRaw(signed.raw, signed.signature)
    },
  }
})
