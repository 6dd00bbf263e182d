import { createHash } from 'node:crypto'
import type { Channel, ChannelCapabilities, Clock, DeliveryResult, OutboundMessage, Recipient, SendOptions } from '@omotenashi/core'
import type { Profile, ProfileStore } from '@omotenashi/profile'
import { buildCard as defaultBuildCard, StaffCardExtrasSchema, type CardOptions } from './card.js'
import type { BuildCard } from './options.js'
import type { StoreFeed } from './store-feed.js'

/** Options of {@link StaffChannel}. */
export interface StaffChannelDeps {
  /** The per-store feeds cards go to. */
  readonly feed: StoreFeed
  /** Where profiles come from, when `@omotenashi/profile` is installed. */
  readonly profiles?: Pick<ProfileStore, 'get'> | undefined
  /** The hub's clock. */
  readonly clock: Pick<Clock, 'now'>
  /** Card limits. */
  readonly card?: CardOptions
  /** Card builder. Default {@link buildCard}. */
  readonly buildCard?: BuildCard | undefined
}

/** A card id from the send's idempotency key: a retried send finds the card it made before. */
export function cardIdFor(idempotencyKey: string): string {
  return `card_${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 22)}`
}

/**
 * The `staff` channel: turns a planned action into a clienteling card on the devices signed in
 * to `message.storeId`. Store-addressed: the recipient is the customer the card is about, not
 * who reads it.
 */
export class StaffChannel implements Channel {
  readonly id = 'staff'
  readonly capabilities: ChannelCapabilities = { storeAddressed: true, rich: true, twoWay: true }
  readonly #deps: StaffChannelDeps

  constructor(deps: StaffChannelDeps) {
    this.#deps = deps
  }

  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    const { feed } = this.#deps
    const storeId = message.storeId
    if (storeId === undefined) return { status: 'failed', permanent: true, reason: 'message.storeId is required: staff cards go to one store' }
    if (!feed.hasStore(storeId)) return { status: 'failed', permanent: true, reason: `store "${storeId}" has no staff feed (not in staffChannel({ stores }))` }
    const extras = StaffCardExtrasSchema.safeParse(message.content?.['staff'] ?? {})
    if (!extras.success) {
      const issue = extras.error.issues[0]
      return { status: 'failed', permanent: true, reason: `message.content.staff.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
    }
    const id = cardIdFor(options.idempotencyKey)
    if (feed.find(id)) return { status: 'duplicate', providerMessageId: id }

    let profile: Profile | undefined
    try {
      profile = await this.#deps.profiles?.get(recipient.customerId)
    } catch {
      // A card without history now beats a complete one after the customer has left.
      profile = undefined
    }
    if (options.signal?.aborted) return { status: 'failed', permanent: false, reason: 'aborted' }
    // Checked again: another send with the same key may have finished while the profile loaded.
    if (feed.find(id)) return { status: 'duplicate', providerMessageId: id }
    const build = this.#deps.buildCard ?? defaultBuildCard
    const card = build({ id, customerId: recipient.customerId, message, profile, identifiers: recipient.identifiers, now: this.#deps.clock.now() }, this.#deps.card ?? {})
    feed.publish({ ...card, storeId })
    return { status: 'sent', providerMessageId: id }
  }
}
