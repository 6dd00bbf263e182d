import type { EventInput } from '../envelope.js'

/**
 * What to send. Channels read the parts they support: a text channel uses `text`, LINE may use
 * `line` (flex, quick replies), email uses `subject`/`html`, push uses `title`/`url`.
 * `template` + `variables` let a channel render its own templates.
 */
export interface OutboundMessage {
  /** The action (offer) this message carries out. */
  readonly actionId: string
  /** The decision that chose it. */
  readonly decisionId?: string
  /** Locale to render in, e.g. `ja` or `en`. */
  readonly locale?: string
  /** Template id in the channel's template set. */
  readonly template?: string
  /** Values for the template. */
  readonly variables?: Readonly<Record<string, unknown>>
  /** Short title (push title, email subject, card title). */
  readonly title?: string
  /** Plain text body. */
  readonly text?: string
  /** Where a tap or click leads. */
  readonly url?: string
  /** The store it concerns (staff cards are routed by it). */
  readonly storeId?: string
  /** Channel-specific content keyed by channel id, e.g. `{ line: { quickReplies } }`. */
  readonly content?: Readonly<Record<string, unknown>>
}

/** Who to send to: the customer and every address the hub knows for them. */
export interface Recipient {
  /** The resolved customer id. */
  readonly customerId: string
  /** Known identifiers by kind (`lineUserId`, `email`, `deviceToken`…), most recent first. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>
  /** The customer's locale. */
  readonly locale?: string
  /** The customer's IANA time zone. */
  readonly timeZone?: string
}

/** Options of one send. */
export interface SendOptions {
  /**
   * Same key, same message: a channel must never deliver twice for one key (LINE's
   * X-Line-Retry-Key, a ledger elsewhere).
   */
  readonly idempotencyKey: string
  /** Aborts a slow send. */
  readonly signal?: AbortSignal
}

/** What happened to a send. */
export interface DeliveryResult {
  /**
   * `sent`: accepted by the provider. `duplicate`: the key was seen before, nothing new sent.
   * `failed`: not sent; see `permanent`.
   */
  readonly status: 'sent' | 'duplicate' | 'failed'
  /** For failures: true when retrying cannot help (blocked, unknown user, revoked token, bad content). */
  readonly permanent?: boolean
  /**
   * For failures: true when the *recipient* cannot be reached on this channel (unknown user,
   * revoked token, hard bounce), as opposed to a problem with the message. Only this marks the
   * customer unreachable on the channel; a refused message does not.
   */
  readonly unreachable?: boolean
  /** Provider's id for the message or request. */
  readonly providerMessageId?: string
  /** Why it failed, without personal data. */
  readonly reason?: string
  /** Events the channel learned while sending (e.g. `push.token_revoked`), published by the hub. */
  readonly events?: readonly EventInput[]
}

/** What a channel can do, for channel choice and fallback. */
export interface ChannelCapabilities {
  /** Identifier kind it addresses (`lineUserId`, `email`, `deviceToken`); none for store-addressed channels. */
  readonly addressKind?: string
  /** Carries rich content beyond text. */
  readonly rich?: boolean
  /** Replies come back (LINE, email replies). */
  readonly twoWay?: boolean
  /** Addresses a store's staff, not the customer. */
  readonly storeAddressed?: boolean
  /** Most recipients one provider call can take. */
  readonly maxBatch?: number
}

/**
 * The Channel port: one way to reach a customer (or a store's staff). Implement `id`,
 * `capabilities` and `send`; wrap it in a module factory; run `describeChannelContract` from
 * `@omotenashi/core/testing` against it.
 */
export interface Channel {
  /** Unique channel id (`line`, `email`, `push`, `inbox`, `staff`, `sms`…). */
  readonly id: string
  /** What it can do. */
  readonly capabilities: ChannelCapabilities
  /** Sends one message to one recipient. Never throws for provider failures: returns `failed`. */
  send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult>
  /** Called once when the hub starts. */
  init?(): Promise<void>
  /** Called once when the hub stops. */
  destroy?(): Promise<void>
}
