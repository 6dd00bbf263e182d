/** One contact the hub planned: what, to whom, on which channel, when. */
export interface ContactRecord {
  /** The send's idempotency key: recording the same key twice changes nothing. */
  readonly key: string
  readonly customerId: string
  readonly actionId: string
  readonly ruleId?: string
  readonly decisionId: string
  /** The event whose decision planned it: a redelivered event does not count against itself. */
  readonly eventId?: string
  /** `message` counts against caps; `staff` (guidance for people) does not. */
  readonly kind: 'message' | 'staff'
  /** The channel planned first (confirmed to the one used once `message.sent` arrives). */
  readonly channel?: string
  /** The item promoted, for attribution and suppression. */
  readonly item?: string
  /** When (epoch ms). */
  readonly at: number
}

/**
 * The ContactHistory port: what was sent to whom, for caps, cool-downs, max-per-customer and
 * "one moment, one message". Memory by default; implement it on a shared store when several
 * processes decide for the same customers. Check yours with `describeContactHistoryContract`.
 */
export interface ContactHistory {
  /** Records a contact; a key recorded before is left as it is. */
  record(contact: ContactRecord): Promise<void>
  /** A customer's contacts at or after `since` (epoch ms), oldest first. */
  list(customerId: string, since: number): Promise<ContactRecord[]>
  /** Sets the channel a contact actually went out on. False if the key is unknown. */
  confirmChannel(customerId: string, key: string, channel: string): Promise<boolean>
  /** Forgets a customer (erasure). Returns how many records went. */
  eraseCustomer(customerId: string): Promise<number>
}

/** How many contacts a history keeps per customer unless told otherwise. */
export const DEFAULT_CONTACTS_PER_CUSTOMER = 1000

/** Options of a ContactHistory: the memory one, and those of the stores. */
export interface ContactHistoryOptions {
  /** Contacts kept per customer (the oldest go first). Default {@link DEFAULT_CONTACTS_PER_CUSTOMER}. */
  readonly perCustomer?: number | undefined
}

/** Options of {@link MemoryContactHistory}. */
export type MemoryContactHistoryOptions = ContactHistoryOptions

/** The in-memory contact history, bounded per customer. */
export class MemoryContactHistory implements ContactHistory {
  readonly #byCustomer = new Map<string, ContactRecord[]>()
  readonly #perCustomer: number

  constructor(options: MemoryContactHistoryOptions = {}) {
    this.#perCustomer = options.perCustomer ?? DEFAULT_CONTACTS_PER_CUSTOMER
  }

  async record(contact: ContactRecord): Promise<void> {
    let list = this.#byCustomer.get(contact.customerId)
    if (!list) this.#byCustomer.set(contact.customerId, (list = []))
    if (list.some((c) => c.key === contact.key)) return
    list.push(contact)
    list.sort((a, b) => a.at - b.at)
    if (list.length > this.#perCustomer) list.splice(0, list.length - this.#perCustomer)
  }

  async list(customerId: string, since: number): Promise<ContactRecord[]> {
    // Asked on every decision: a copy (callers may keep it), built without a closure.
    const out: ContactRecord[] = []
    const list = this.#byCustomer.get(customerId)
    if (list) for (const c of list) if (c.at >= since) out.push(c)
    return out
  }

  async confirmChannel(customerId: string, key: string, channel: string): Promise<boolean> {
    const list = this.#byCustomer.get(customerId)
    const i = list?.findIndex((c) => c.key === key) ?? -1
    if (!list || i < 0) return false
    list[i] = { ...list[i]!, channel }
    return true
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const n = this.#byCustomer.get(customerId)?.length ?? 0
    this.#byCustomer.delete(customerId)
    return n
  }
}
