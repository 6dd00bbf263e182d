import type { Channel, ChannelCapabilities, Clock, DeliveryResult, InboxStore, OutboundMessage, Recipient, SendOptions } from '@omotenashi/core'

/** Inbox-specific settings a message may carry under `content.inbox`. */
export interface InboxContent {
  /** When the message stops being shown (ISO); overrides the channel's TTL. */
  readonly expiresAt?: string
  /** Extra data for the app. */
  readonly data?: Readonly<Record<string, unknown>>
}

/** Everything {@link InboxChannel} is built from. */
export interface InboxChannelDeps {
  readonly id: string
  readonly store: InboxStore
  readonly clock: Clock
  /** How long messages stay, in seconds (0: forever). */
  readonly ttlSeconds: number
}

/**
 * The in-app inbox as a channel: a message is stored in the customer's inbox (the core
 * `InboxStore`, memory unless a store package binds one), for the app to list, mark read and
 * delete through the server's inbox API. The message id is the send's idempotency key, so a
 * retry stores it once. Needs no address, so it is the fallback when push is off.
 */
export class InboxChannel implements Channel {
  readonly id: string
  readonly capabilities: ChannelCapabilities = { rich: true }
  readonly #deps: InboxChannelDeps

  constructor(deps: InboxChannelDeps) {
    this.id = deps.id
    this.#deps = deps
  }

  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    if (message.title === undefined && message.text === undefined) return { status: 'failed', permanent: true, reason: 'an inbox message needs a title or text' }
    const content = (message.content?.['inbox'] ?? {}) as InboxContent
    const now = this.#deps.clock.now()
    let expiresAt: string | undefined
    if (content.expiresAt !== undefined) {
      const t = Date.parse(content.expiresAt)
      if (Number.isNaN(t)) return { status: 'failed', permanent: true, reason: 'content.inbox.expiresAt is not a date' }
      expiresAt = new Date(t).toISOString()
    } else if (this.#deps.ttlSeconds > 0) {
      expiresAt = new Date(now + this.#deps.ttlSeconds * 1000).toISOString()
    }
    const data: Record<string, unknown> = { ...content.data }
    if (message.decisionId !== undefined) data['decisionId'] = message.decisionId
    try {
      const stored = await this.#deps.store.put({
        id: options.idempotencyKey,
        customerId: recipient.customerId,
        actionId: message.actionId,
        createdAt: new Date(now).toISOString(),
        ...(message.title === undefined ? {} : { title: message.title }),
        ...(message.text === undefined ? {} : { text: message.text }),
        ...(message.url === undefined ? {} : { url: message.url }),
        ...(Object.keys(data).length === 0 ? {} : { data }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      })
      return { status: stored ? 'sent' : 'duplicate', providerMessageId: options.idempotencyKey }
    } catch (error) {
      // A store outage is worth retrying; the id makes the retry store the message once.
      return { status: 'failed', permanent: false, reason: `inbox store: ${(error as Error).message}` }
    }
  }
}
