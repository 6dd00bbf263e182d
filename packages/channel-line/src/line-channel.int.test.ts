import { messagingApi } from '@line/bot-sdk'
import { describeChannelContract } from '@omotenashi/core/testing'
import type { OutboundMessage, Recipient } from '@omotenashi/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLineParts } from './assemble.js'
import { LINE_REACHABILITY_CHANGED } from './events.js'
import type { LineChannelOptions } from './options.js'
import { retryKeyFor } from './retry-key.js'
import { MESSAGING_API_SPEC } from './contract-paths.test-support.js'
import { LineTestServer, lineUserId } from './testing/index.js'

const TOKEN = 'test-access-token'
const fast = { retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 }, timeoutMs: 600 } as const

function recipient(userId: string, locale?: string): Recipient {
  return { customerId: `c-${userId.slice(1, 7)}`, identifiers: { lineUserId: [userId] }, ...(locale === undefined ? {} : { locale }) }
}

describe('LineChannel against the local LINE server (driven by @line/bot-sdk)', () => {
  let line: LineTestServer
  const make = (extra: Partial<LineChannelOptions> = {}) =>
    createLineParts({ channelAccessToken: TOKEN, channelSecret: 's', baseUrl: line.url, ...fast, ...extra })

  beforeEach(async () => {
    line = await LineTestServer.start({ spec: MESSAGING_API_SPEC, channelAccessToken: TOKEN })
  })
  afterEach(async () => {
    expect(line.violations().map((r) => r.violations)).toEqual([])
    expect(line.responseViolations).toEqual([])
    await line.close()
  })

  it('pushes text with the retry key derived from the idempotency key', async () => {
    const { channel } = make()
    const user = lineUserId()
    const result = await channel.send({ actionId: 'a', title: 'Sale', text: 'Coats -20%', url: 'https://shop.example/coat' }, recipient(user), { idempotencyKey: 'd1:line' })
    expect(result.status).toBe('sent')
    expect(result.providerMessageId).toMatch(/^\d+$/)
    expect(line.requests).toHaveLength(1)
    expect(line.requests[0]!.retryKey).toBe(retryKeyFor('d1:line'))
    expect(line.deliveredTo(user).map((d) => d.messages)).toEqual([[{ type: 'text', text: 'Sale\nCoats -20%\nhttps://shop.example/coat' }]])
  })

  it('sends flex messages, quick replies and notificationDisabled', async () => {
    const { channel } = make()
    const user = lineUserId()
    const flex = { type: 'flex', altText: 'New in', contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'New in store' }] } } }
    const message: OutboundMessage = {
      actionId: 'a',
      content: { line: { messages: [flex], quickReplies: [{ label: 'Show', text: 'show' }, { label: 'Later', data: 'later=1' }, 'ホテルが残念'], notificationDisabled: true } },
    }
    expect((await channel.send(message, recipient(user), { idempotencyKey: 'd2' })).status).toBe('sent')
    const [delivery] = line.deliveredTo(user)
    expect(delivery!.notificationDisabled).toBe(true)
    expect(delivery!.messages[0]).toMatchObject({
      type: 'flex',
      quickReply: {
        items: [
          { type: 'action', action: { type: 'message', label: 'Show', text: 'show' } },
          { type: 'action', action: { type: 'postback', label: 'Later', data: 'later=1' } },
          { type: 'action', action: { type: 'message', label: 'ホテルが残念', text: 'ホテルが残念' } },
        ],
      },
    })
  })

  it('renders templates in the recipient\'s locale', async () => {
    const { channel } = make({
      templates: { welcome: { variables: ['name'], locales: { ja: { text: 'ようこそ{{name}}様' }, en: { text: 'Welcome {{name}}' } } } },
      requiredLocales: ['ja', 'en'],
    })
    const ja = lineUserId()
    const en = lineUserId()
    await channel.send({ actionId: 'a', template: 'welcome', variables: { name: '花子' } }, recipient(ja, 'ja-JP'), { idempotencyKey: 't1' })
    await channel.send({ actionId: 'a', template: 'welcome', variables: { name: 'Hana' } }, recipient(en, 'en'), { idempotencyKey: 't2' })
    expect(line.deliveredTo(ja)[0]!.messages).toEqual([{ type: 'text', text: 'ようこそ花子様' }])
    expect(line.deliveredTo(en)[0]!.messages).toEqual([{ type: 'text', text: 'Welcome Hana' }])
    const missing = await channel.send({ actionId: 'a', template: 'welcome' }, recipient(en), { idempotencyKey: 't3' })
    expect(missing).toMatchObject({ status: 'failed', permanent: true, reason: 'template "welcome" needs values for: name' })
  })

  it('a second send with the same key is a duplicate and delivers nothing', async () => {
    const { channel } = make()
    const user = lineUserId()
    const first = await channel.send({ actionId: 'a', text: 'once' }, recipient(user), { idempotencyKey: 'same' })
    const second = await channel.send({ actionId: 'a', text: 'once' }, recipient(user), { idempotencyKey: 'same' })
    expect([first.status, second.status]).toEqual(['sent', 'duplicate'])
    expect(line.requests.map((r) => r.status)).toEqual([200, 409])
    expect(line.deliveredTo(user)).toHaveLength(1)
  })

  it('retries 5xx with the same key; a 5xx after acceptance ends in 409 = duplicate, delivered once', async () => {
    const { channel } = make()
    const user = lineUserId()
    line.script({ status: 500 }, { status: 503 })
    expect((await channel.send({ actionId: 'a', text: 'x' }, recipient(user), { idempotencyKey: 'k5' })).status).toBe('sent')
    expect(line.requests.map((r) => r.status)).toEqual([500, 503, 200])
    expect(new Set(line.requests.map((r) => r.retryKey)).size).toBe(1)

    line.reset()
    const other = lineUserId()
    line.script({ status: 500, accept: true })
    const result = await channel.send({ actionId: 'a', text: 'y' }, recipient(other), { idempotencyKey: 'k6' })
    expect(result.status).toBe('duplicate')
    expect(line.requests.map((r) => r.status)).toEqual([500, 409])
    expect(line.deliveredTo(other)).toHaveLength(1)
  })

  it('retries after a timeout with the same key: the late-accepted request is not delivered twice', async () => {
    const { channel } = make()
    const user = lineUserId()
    line.script({ delayMs: 1200 })
    const result = await channel.send({ actionId: 'a', text: 'slow' }, recipient(user), { idempotencyKey: 'kt' })
    expect(result.status).toBe('duplicate')
    expect(line.requests.map((r) => r.status)).toEqual([undefined, 409])
    expect(line.deliveredTo(user)).toHaveLength(1)
  })

  it('a timeout before LINE took it: the retry is delivered, the late original gets 409', async () => {
    const { channel } = make()
    const user = lineUserId()
    line.script({ delayMs: 900, accept: false })
    const result = await channel.send({ actionId: 'a', text: 'slow' }, recipient(user), { idempotencyKey: 'kt2' })
    expect(result.status).toBe('sent')
    await new Promise((r) => setTimeout(r, 700))
    expect(line.requests.map((r) => r.status)).toEqual([409, 200])
    expect(line.deliveredTo(user)).toHaveLength(1)
  })

  it('a scripted 409 (LINE already took this key) is a duplicate, not a failure, and is not retried', async () => {
    const { channel } = make()
    line.script({ status: 409 })
    const result = await channel.send({ actionId: 'a', text: 'x' }, recipient(lineUserId()), { idempotencyKey: 'k409' })
    expect(result.status).toBe('duplicate')
    expect(line.requests.map((r) => r.status)).toEqual([409])
    expect(line.deliveries).toHaveLength(0)
  })

  it('backs off on 429 (honouring Retry-After) and then sends', async () => {
    const { channel } = make()
    const user = lineUserId()
    line.script({ status: 429, retryAfterSeconds: 0.3 })
    const started = performance.now()
    expect((await channel.send({ actionId: 'a', text: 'x' }, recipient(user), { idempotencyKey: 'k429' })).status).toBe('sent')
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(line.requests.map((r) => r.status)).toEqual([429, 200])
  })

  it('gives up on persistent 5xx as a transient failure, and hang-ups count as transient too', async () => {
    const { channel } = make()
    line.script({ status: 502 }, { hangUp: true }, { status: 500 }, { status: 500 })
    const result = await channel.send({ actionId: 'a', text: 'x' }, recipient(lineUserId()), { idempotencyKey: 'kx' })
    expect(result).toMatchObject({ status: 'failed', permanent: false })
    expect(result.reason).toMatch(/LINE 500.*gave up after 4 attempts/)
    expect(line.requests).toHaveLength(4)
  })

  it('an unknown user is a permanent failure with a reachability event; a bad token is transient', async () => {
    const { channel } = make()
    const user = lineUserId()
    line.addUnknownUsers(user)
    const result = await channel.send({ actionId: 'a', text: 'x' }, recipient(user), { idempotencyKey: 'ku' })
    expect(result).toMatchObject({ status: 'failed', permanent: true, reason: 'LINE 400: Failed to send messages' })
    expect(result.events).toEqual([
      { type: LINE_REACHABILITY_CHANGED, source: 'line', identity: { customerId: recipient(user).customerId, lineUserId: user }, data: { channel: 'line', reachable: false, reason: 'LINE 400: Failed to send messages' } },
    ])
    expect(line.requests).toHaveLength(1)

    const wrong = createLineParts({ channelAccessToken: 'wrong', channelSecret: 's', baseUrl: line.url, ...fast }).channel
    const unauthorized = await wrong.send({ actionId: 'a', text: 'x' }, recipient(lineUserId()), { idempotencyKey: 'kw' })
    expect(unauthorized).toMatchObject({ status: 'failed', permanent: false })
    expect(unauthorized.events).toBeUndefined()
  })

  it('a message the contract forbids is refused by the server and reported as permanent', async () => {
    const { channel } = make()
    // Our schema lets this through (it only checks what each type requires); LINE's contract
    // does not: a flex box needs `layout` and `contents`.
    const flex = { type: 'flex', altText: 'x', contents: { type: 'bubble', body: { type: 'box' } } }
    const result = await channel.send({ actionId: 'a', content: { line: { messages: [flex] } } }, recipient(lineUserId()), { idempotencyKey: 'kc' })
    expect(result).toMatchObject({ status: 'failed', permanent: true })
    expect(result.reason).toMatch(/LINE 400: The request body has 2 error\(s\)/)
    expect(line.violations()).toHaveLength(1)
    line.requests.length = 0 // checked above; keep afterEach's "no violations" for the other tests
  })

  it('replies with a fresh reply token instead of pushing, and pushes once it is used or stale', async () => {
    let now = 1_000_000
    const parts = createLineParts({ channelAccessToken: TOKEN, channelSecret: 's', baseUrl: line.url, ...fast }, () => now)
    const user = lineUserId()
    parts.replyTokens.remember(user, line.issueReplyToken(user), now)
    expect((await parts.channel.send({ actionId: 'a', text: 'thanks!' }, recipient(user), { idempotencyKey: 'r1' })).status).toBe('sent')
    expect(line.requests.map((r) => r.path)).toEqual(['/v2/bot/message/reply'])
    expect((await parts.channel.send({ actionId: 'a', text: 'more' }, recipient(user), { idempotencyKey: 'r2' })).status).toBe('sent')
    parts.replyTokens.remember(user, line.issueReplyToken(user), now)
    now += 60_000
    expect((await parts.channel.send({ actionId: 'a', text: 'later' }, recipient(user), { idempotencyKey: 'r3' })).status).toBe('sent')
    expect(line.requests.map((r) => r.path)).toEqual(['/v2/bot/message/reply', '/v2/bot/message/push', '/v2/bot/message/push'])
    // A token LINE no longer takes falls back to a push.
    parts.replyTokens.remember(user, 'used-up-token', now)
    expect((await parts.channel.send({ actionId: 'a', text: 'fallback' }, recipient(user), { idempotencyKey: 'r4' })).status).toBe('sent')
    expect(line.requests.slice(-2).map((r) => [r.path, r.status])).toEqual([['/v2/bot/message/reply', 400], ['/v2/bot/message/push', 200]])
    expect(line.deliveredTo(user)).toHaveLength(4)
  })

  it('multicasts in batches of at most 500 with one retry key per batch, exactly once under faults', async () => {
    const { channel } = make({ multicastConcurrency: 3 })
    const users = Array.from({ length: 1234 }, (_, i) => lineUserId(i))
    line.script({ status: 500, accept: true }, { status: 429 })
    const result = await channel.multicast({ actionId: 'a', text: 'Spring sale' }, [...users, users[0]!, ''], { idempotencyKey: 'm1' })
    expect(result.accepted).toBe(1234)
    expect(result.failed).toBe(0)
    expect(result.rejected).toEqual([{ index: 1234, reason: 'listed twice' }, { index: 1235, reason: 'empty lineUserId' }])
    expect(result.batches.map((b) => b.size)).toEqual([500, 500, 234])
    const accepted = line.requests.filter((r) => r.accepted)
    expect(accepted).toHaveLength(3)
    expect(new Set(accepted.map((r) => r.retryKey))).toEqual(new Set([0, 1, 2].map((i) => retryKeyFor(`m1:${i}`))))
    expect(line.deliveries).toHaveLength(1234)
    expect(line.duplicateDeliveries()).toBe(0)
    // Again with the same key: nothing new goes out.
    const again = await channel.multicast({ actionId: 'a', text: 'Spring sale' }, users, { idempotencyKey: 'm1' })
    expect(again.batches.map((b) => b.status)).toEqual(['duplicate', 'duplicate', 'duplicate'])
    expect(line.deliveries).toHaveLength(1234)
  })

  it('refuses bad options naming the field', () => {
    expect(() => createLineParts({ channelAccessToken: '', channelSecret: 's', rateLimit: { multicast: -1 } })).toThrow(/channelAccessToken: is required.*rateLimit\.multicast/)
    expect(() => createLineParts({ channelAccessToken: 't', channelSecret: 's', templates: { x: { locales: { ja: { text: '{{a}}' } } } } })).toThrow(/x\.ja: uses \{\{a\}\}/)
  })
})

describe('an injected client', () => {
  it('is used instead of building one', async () => {
    const line = await LineTestServer.start({ spec: MESSAGING_API_SPEC })
    try {
      const client = new messagingApi.MessagingApiClient({ channelAccessToken: 'injected', baseURL: line.url })
      const { channel } = createLineParts({ channelAccessToken: 'unused', channelSecret: 's', client })
      expect((await channel.send({ actionId: 'a', text: 'x' }, recipient(lineUserId()), { idempotencyKey: 'i' })).status).toBe('sent')
      expect(line.requests[0]!.headers['authorization']).toBe('Bearer injected')
    } finally {
      await line.close()
    }
  })
})

let contractServer: LineTestServer | undefined
describeChannelContract('LineChannel', async () => {
  const line = await LineTestServer.start({ spec: MESSAGING_API_SPEC })
  contractServer = line
  const refused = lineUserId()
  line.addUnknownUsers(refused)
  const { channel } = createLineParts({ channelAccessToken: 't', channelSecret: 's', baseUrl: line.url, ...fast })
  return {
    channel,
    recipient: recipient(lineUserId()),
    refusedRecipient: recipient(refused),
    delivered: async () => line.deliveries.length,
    cleanup: async () => {
      await contractServer?.close()
    },
  }
})
