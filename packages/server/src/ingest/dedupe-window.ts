/**
 * The event ids seen recently: a bounded window (by count and age) that makes ingest
 * idempotent on `messageId` / event id without growing forever. Oldest ids go first.
 */
export class DedupeWindow {
  readonly #seen = new Map<string, number>()
  readonly #size: number
  readonly #ttlMs: number
  readonly #now: () => number

  constructor(options: { readonly size: number; readonly ttlMs: number; readonly now?: () => number }) {
    this.#size = options.size
    this.#ttlMs = options.ttlMs
    this.#now = options.now ?? Date.now
  }

  /** Ids remembered now. */
  get size(): number {
    return this.#seen.size
  }

  /** Whether `id` was claimed within the window. */
  has(id: string): boolean {
    const at = this.#seen.get(id)
    if (at === undefined) return false
    if (this.#now() - at > this.#ttlMs) {
      this.#seen.delete(id)
      return false
    }
    return true
  }

  /** Claims `id`: false when it is in the window already. */
  claim(id: string): boolean {
    if (this.has(id)) return false
    this.#seen.set(id, this.#now())
    if (this.#seen.size > this.#size) {
      const oldest = this.#seen.keys().next().value
      if (oldest !== undefined) this.#seen.delete(oldest)
    }
    return true
  }

  /** Gives a claim back (the event was refused, so a corrected resend must get through). */
  release(id: string): void {
    this.#seen.delete(id)
  }
}
