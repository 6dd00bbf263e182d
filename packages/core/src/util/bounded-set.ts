/**
 * A set that remembers at most `capacity` keys, forgetting the oldest first. Webhook senders
 * redeliver within minutes to days; remembering every id forever would grow without bound, so
 * dedupe keeps a window of the most recent ids (and downstream stores stay idempotent by the
 * deterministic event ids connectors derive).
 */
export class BoundedSet {
  readonly #capacity: number
  readonly #keys = new Set<string>()

  /** @throws RangeError when `capacity` is below 1. */
  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`)
    this.#capacity = capacity
  }

  /** Whether `key` was added and not yet forgotten. */
  has(key: string): boolean {
    return this.#keys.has(key)
  }

  /** Adds `key`, forgetting the oldest key when full. Adding a remembered key changes nothing. */
  add(key: string): void {
    if (this.#keys.has(key)) return
    this.#keys.add(key)
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.values().next().value
      if (oldest !== undefined) this.#keys.delete(oldest)
    }
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#keys.size
  }
}
