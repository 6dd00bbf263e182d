/**
 * A bounded set of recently seen ids (webhookEventIds): LINE redelivers an event it thinks was
 * not received, with the same id. The oldest ids are forgotten first, once there are more than
 * `maxEntries` or they are older than `ttlMs`, so memory stays bounded however long it runs.
 */
export class SeenIds {
  readonly #seen = new Map<string, number>()
  readonly #max: number
  readonly #ttlMs: number
  readonly #now: () => number

  constructor(options: { maxEntries: number; ttlMs: number; now: () => number }) {
    this.#max = options.maxEntries
    this.#ttlMs = options.ttlMs
    this.#now = options.now
  }

  /** Whether `id` was recorded and has not expired. */
  has(id: string): boolean {
    const at = this.#seen.get(id)
    return at !== undefined && this.#now() - at <= this.#ttlMs
  }

  /** Records `id` as seen now. */
  add(id: string): void {
    const now = this.#now()
    this.#seen.delete(id)
    this.#seen.set(id, now)
    for (const [oldest, at] of this.#seen) {
      if (this.#seen.size <= this.#max && now - at <= this.#ttlMs) break
      this.#seen.delete(oldest)
    }
  }

  /** How many ids are held. */
  get size(): number {
    return this.#seen.size
  }
}
