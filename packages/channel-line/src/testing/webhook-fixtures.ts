import { randomUUID } from 'node:crypto'
import { signLineBody } from '../signature.js'

let counter = 0

/** A ULID-like id for webhook events (unique; LINE's are ULIDs). */
export function webhookEventId(): string {
  counter++
  return `01J${Date.now().toString(36).toUpperCase().padStart(10, '0')}${counter.toString(36).toUpperCase().padStart(6, '0')}${randomUUID().replaceAll('-', '').slice(0, 7).toUpperCase()}`.slice(0, 26)
}

/** A LINE user id (`U` + 32 hex digits), random unless a seed is given. */
export function lineUserId(seed?: string | number): string {
  if (seed === undefined) return `U${randomUUID().replaceAll('-', '')}`
  const hex = Buffer.from(String(seed)).toString('hex').padStart(32, '0').slice(-32)
  return `U${hex}`
}

/** What every fixture event takes: whose it is, and the envelope fields LINE sets. */
export interface LineFixtureCommon {
  readonly userId: string
  readonly timestamp?: number
  readonly redelivery?: boolean
  readonly id?: string
  readonly mode?: 'active' | 'standby'
}

function base(type: string, c: LineFixtureCommon): Record<string, unknown> {
  return {
    type,
    timestamp: c.timestamp ?? Date.now(),
    mode: c.mode ?? 'active',
    webhookEventId: c.id ?? webhookEventId(),
    deliveryContext: { isRedelivery: c.redelivery ?? false },
    source: { type: 'user', userId: c.userId },
  }
}

/** Builders of webhook events as LINE sends them (valid against LINE's webhook contract). */
export const lineEvents = {
  follow: (c: LineFixtureCommon & { readonly replyToken?: string; readonly unblocked?: boolean }) => ({
    ...base('follow', c),
    replyToken: c.replyToken ?? randomUUID().replaceAll('-', ''),
    follow: { isUnblocked: c.unblocked ?? false },
  }),
  unfollow: (c: LineFixtureCommon) => base('unfollow', c),
  text: (c: LineFixtureCommon & { readonly text: string; readonly replyToken?: string; readonly messageId?: string }) => ({
    ...base('message', c),
    replyToken: c.replyToken ?? randomUUID().replaceAll('-', ''),
    message: { type: 'text', id: c.messageId ?? String(Date.now()), text: c.text, quoteToken: randomUUID() },
  }),
  postback: (c: LineFixtureCommon & { readonly data: string; readonly replyToken?: string }) => ({
    ...base('postback', c),
    replyToken: c.replyToken ?? randomUUID().replaceAll('-', ''),
    postback: { data: c.data },
  }),
}

/** A webhook body: the bot's user id as `destination` and the events. */
export function webhookBody(events: readonly unknown[], destination = `U${'0'.repeat(31)}1`): { destination: string; events: readonly unknown[] } {
  return { destination, events }
}

/** Serialises a body and signs it as LINE does: the exact bytes and their `X-Line-Signature`. */
export function signedWebhook(body: unknown, channelSecret: string): { readonly raw: Buffer; readonly signature: string } {
  const raw = Buffer.from(JSON.stringify(body))
  return { raw, signature: signLineBody(raw, channelSecret) }
}
