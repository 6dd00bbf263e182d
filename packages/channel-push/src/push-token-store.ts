/** One registered device. */
export interface PushTokenRecord {
  /** The owner. */
  readonly customerId: string
  /** The token string (`apns:…`, `fcm:…`, `webpush:…`). */
  readonly token: string
  /** `web`, `ios` or `android`. */
  readonly platform: 'web' | 'ios' | 'android'
  /** When it was registered (ISO). */
  readonly registeredAt: string
}

/**
 * The PushTokenStore port: devices per customer, and the tokens known to be dead. The channel
 * checks `isRevoked` before every send, so a token revoked by a 410 is never used again even
 * while the profile still lists it. Memory by default.
 */
export interface PushTokenStore {
  /** Registers (or re-activates) a device. True if it was not active before. */
  register(record: PushTokenRecord): Promise<boolean>
  /** Marks a token dead, for whoever holds it. */
  revoke(token: string, reason: string, at: string): Promise<void>
  /** Whether a token is dead. */
  isRevoked(token: string): Promise<boolean>
  /** Why and when a token was revoked. */
  revocation(token: string): Promise<{ readonly reason: string; readonly at: string } | undefined>
  /** A customer's active devices, most recently registered first. */
  list(customerId: string): Promise<PushTokenRecord[]>
  /** Forgets a customer's devices (erasure). Returns how many went. */
  eraseCustomer(customerId: string): Promise<number>
}

/** The in-memory {@link PushTokenStore}. */
export class MemoryPushTokenStore implements PushTokenStore {
  readonly #active = new Map<string, PushTokenRecord>()
  readonly #revoked = new Map<string, { reason: string; at: string }>()

  async register(record: PushTokenRecord): Promise<boolean> {
    const wasActive = this.#active.get(record.token)?.customerId === record.customerId
    this.#active.set(record.token, record)
    this.#revoked.delete(record.token)
    return !wasActive
  }

  async revoke(token: string, reason: string, at: string): Promise<void> {
    this.#active.delete(token)
    if (!this.#revoked.has(token)) this.#revoked.set(token, { reason, at })
  }

  async isRevoked(token: string): Promise<boolean> {
    return this.#revoked.has(token)
  }

  async revocation(token: string): Promise<{ readonly reason: string; readonly at: string } | undefined> {
    return this.#revoked.get(token)
  }

  async list(customerId: string): Promise<PushTokenRecord[]> {
    return [...this.#active.values()].filter((r) => r.customerId === customerId).sort((a, b) => b.registeredAt.localeCompare(a.registeredAt))
  }

  async eraseCustomer(customerId: string): Promise<number> {
    let n = 0
    for (const [token, record] of this.#active) {
      if (record.customerId === customerId) {
        this.#active.delete(token)
        n++
      }
    }
    return n
  }
}
