/** A message in a customer's in-app inbox. */
export interface InboxMessage {
  /** Message id (the send's idempotency key, so a retry stores it once). */
  readonly id: string
  /** Owner. */
  readonly customerId: string
  /** Title. */
  readonly title?: string
  /** Body text. */
  readonly text?: string
  /** Where tapping it leads. */
  readonly url?: string
  /** The action it carries out. */
  readonly actionId?: string
  /** Extra data for the app. */
  readonly data?: Readonly<Record<string, unknown>>
  /** When it was stored (ISO). */
  readonly createdAt: string
  /** When it stops being shown (ISO). */
  readonly expiresAt?: string
  /** When the customer read it (ISO). */
  readonly readAt?: string
}

/** Filters for {@link InboxStore.list}. */
export interface InboxQuery {
  /** Only unread messages. */
  readonly unreadOnly?: boolean
  /** Most to return, newest first. Default 50. */
  readonly limit?: number
  /** "Now", for expiry (ISO). Default: the real now. */
  readonly now?: string
}

/**
 * The InboxStore port: per-customer in-app messages, the fallback when push is off.
 * Memory by default; PostgreSQL and Redis in the store packages.
 */
export interface InboxStore {
  /** Stores a message; storing an existing id again changes nothing and returns false. */
  put(message: InboxMessage): Promise<boolean>
  /** A customer's live (unexpired) messages, newest first. */
  list(customerId: string, query?: InboxQuery): Promise<InboxMessage[]>
  /** Marks a message read. False if absent. */
  markRead(customerId: string, id: string, at: string): Promise<boolean>
  /** Deletes a message. False if absent. */
  delete(customerId: string, id: string): Promise<boolean>
  /** Removes a customer's inbox (erasure). Returns how many messages went. */
  eraseCustomer(customerId: string): Promise<number>
}

/** The in-memory inbox. */
export class MemoryInboxStore implements InboxStore {
  readonly #boxes = new Map<string, Map<string, InboxMessage>>()

  async put(message: InboxMessage): Promise<boolean> {
    let box = this.#boxes.get(message.customerId)
    if (!box) this.#boxes.set(message.customerId, (box = new Map()))
    if (box.has(message.id)) return false
    box.set(message.id, message)
    return true
  }

  async list(customerId: string, query: InboxQuery = {}): Promise<InboxMessage[]> {
    const now = query.now ?? new Date().toISOString()
    return [...(this.#boxes.get(customerId)?.values() ?? [])]
      .filter((m) => (m.expiresAt === undefined || m.expiresAt > now) && (!query.unreadOnly || m.readAt === undefined))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, query.limit ?? 50)
  }

  async markRead(customerId: string, id: string, at: string): Promise<boolean> {
    const box = this.#boxes.get(customerId)
    const message = box?.get(id)
    if (!box || !message) return false
    box.set(id, { ...message, readAt: message.readAt ?? at })
    return true
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    return this.#boxes.get(customerId)?.delete(id) ?? false
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const n = this.#boxes.get(customerId)?.size ?? 0
    this.#boxes.delete(customerId)
    return n
  }
}
