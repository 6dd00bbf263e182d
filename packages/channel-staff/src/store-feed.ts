import { randomBytes } from 'node:crypto'
import type { StaffCard } from './card.js'

/** A staff member's response to a card. */
export interface CardAcknowledgement {
  /** Who. */
  readonly staffId: string
  /** What they did: served the customer, dismissed the card, or added a note. */
  readonly outcome: 'served' | 'dismissed' | 'noted'
  /** Their note. */
  readonly note?: string
  /** When (ISO). */
  readonly at: string
  /** The `staff.acknowledged` event recorded for it. */
  readonly eventId: string
}

/** A card in a store's buffer, with its sequence number and what staff did with it so far. */
export interface FeedEntry {
  /** Position in the store's feed: strictly increasing per store and epoch. */
  readonly seq: number
  /** The card. */
  readonly card: StaffCard & { readonly storeId: string }
  /** Acknowledgements so far, oldest first. */
  readonly acks: CardAcknowledgement[]
}

/** Where a device is in a store's feed: the last sequence it saw, in which epoch. */
export interface FeedCursor {
  /** The feed's epoch the device saw (a restarted feed has a new one). */
  readonly epoch: string
  /** The last sequence number seen. */
  readonly seq: number
}

/** What subscribers of a store hear. */
export type FeedUpdate =
  | { readonly kind: 'card'; readonly entry: FeedEntry }
  | { readonly kind: 'ack'; readonly entry: FeedEntry; readonly ack: CardAcknowledgement }

/** Options of {@link StoreFeed}. */
export interface StoreFeedOptions {
  /** The stores there are feeds for; cards for others are refused. */
  readonly stores: readonly string[]
  /** Cards kept per store for devices that reconnect. Default 500. */
  readonly bufferSize?: number
  /** Cards older than this are not replayed (a VIP who came this morning has left). Default 8 h. */
  readonly maxAgeMs?: number
  /** Time source (epoch ms). */
  readonly now?: () => number
}

interface StoreState {
  seq: number
  entries: FeedEntry[]
  readonly listeners: Set<(update: FeedUpdate) => void>
}

/**
 * Per-store card buffers with strictly increasing sequence numbers, and the subscribers that
 * receive each store's cards live. A device reconnecting with its last {@link FeedCursor}
 * gets what it missed; the `epoch` changes when the feed is recreated (process restart), so a
 * device with a cursor from an older epoch is sent everything still buffered.
 *
 * In memory, one process: devices of one store must connect to the process that sends its
 * cards (see the README for running several).
 */
export class StoreFeed {
  /** Identifies this feed's lifetime; sequence numbers restart with a new epoch. */
  readonly epoch: string
  readonly #stores = new Map<string, StoreState>()
  readonly #byCardId = new Map<string, FeedEntry>()
  readonly #bufferSize: number
  readonly #maxAgeMs: number
  readonly #now: () => number

  constructor(options: StoreFeedOptions) {
    this.#bufferSize = options.bufferSize ?? 500
    this.#maxAgeMs = options.maxAgeMs ?? 8 * 3600_000
    this.#now = options.now ?? Date.now
    this.epoch = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
    for (const store of options.stores) this.#stores.set(store, { seq: 0, entries: [], listeners: new Set() })
  }

  /** Whether the store is configured. */
  hasStore(storeId: string): boolean {
    return this.#stores.has(storeId)
  }

  /** The configured stores. */
  stores(): string[] {
    return [...this.#stores.keys()]
  }

  /** The card with this id, if still buffered. */
  find(cardId: string): FeedEntry | undefined {
    return this.#byCardId.get(cardId)
  }

  /** The last sequence number given in a store (0 before any card). */
  lastSeq(storeId: string): number {
    return this.#stores.get(storeId)?.seq ?? 0
  }

  /** Appends a card to its store's feed and hands it to the store's subscribers. */
  publish(card: StaffCard & { readonly storeId: string }): FeedEntry {
    const state = this.#stores.get(card.storeId)
    if (!state) throw new Error(`store "${card.storeId}" is not configured`)
    const entry: FeedEntry = { seq: ++state.seq, card, acks: [] }
    state.entries.push(entry)
    this.#byCardId.set(card.id, entry)
    if (state.entries.length > this.#bufferSize) {
      for (const old of state.entries.splice(0, state.entries.length - this.#bufferSize)) this.#byCardId.delete(old.card.id)
    }
    this.#notify(state, { kind: 'card', entry })
    return entry
  }

  /**
   * The buffered cards a device has not seen, oldest first: after `cursor` when it is from this
   * epoch, else every card still fresh.
   */
  since(storeId: string, cursor?: FeedCursor): FeedEntry[] {
    const state = this.#stores.get(storeId)
    if (!state) return []
    const after = cursor && cursor.epoch === this.epoch ? cursor.seq : 0
    const oldest = new Date(this.#now() - this.#maxAgeMs).toISOString()
    return state.entries.filter((e) => e.seq > after && e.card.createdAt >= oldest)
  }

  /**
   * Listens to a store's updates. Call {@link StoreFeed.since} in the same tick to replay what
   * was missed: nothing can slip between the two. Returns the unsubscribe function.
   */
  subscribe(storeId: string, listener: (update: FeedUpdate) => void): () => void {
    const state = this.#stores.get(storeId)
    if (!state) throw new Error(`store "${storeId}" is not configured`)
    state.listeners.add(listener)
    return () => void state.listeners.delete(listener)
  }

  /** How many subscribers a store has (or all stores). */
  subscribers(storeId?: string): number {
    if (storeId !== undefined) return this.#stores.get(storeId)?.listeners.size ?? 0
    let n = 0
    for (const s of this.#stores.values()) n += s.listeners.size
    return n
  }

  /** Records an acknowledgement on a buffered card and tells the store's devices. */
  acknowledge(cardId: string, ack: CardAcknowledgement): FeedEntry | undefined {
    const entry = this.#byCardId.get(cardId)
    if (!entry) return undefined
    entry.acks.push(ack)
    const state = this.#stores.get(entry.card.storeId)
    if (state) this.#notify(state, { kind: 'ack', entry, ack })
    return entry
  }

  /** Forgets every buffered card about a customer (erasure). Returns how many went. */
  async eraseCustomer(customerId: string): Promise<number> {
    let removed = 0
    for (const state of this.#stores.values()) {
      const keep = state.entries.filter((e) => e.card.customerId !== customerId)
      for (const e of state.entries) if (e.card.customerId === customerId) this.#byCardId.delete(e.card.id)
      removed += state.entries.length - keep.length
      state.entries = keep
    }
    return removed
  }

  #notify(state: StoreState, update: FeedUpdate): void {
    for (const listener of state.listeners) {
      // One faulty subscriber must not keep the card from the others.
      try {
        listener(update)
      } catch {}
    }
  }
}
