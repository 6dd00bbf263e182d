/**
 * Remembers, per entity, the newest version applied, so a late redelivery of an older state
 * (a `customer.updated` that overtook its predecessor) does not overwrite the newer one.
 * Facts such as purchases are never judged stale: they keep their own time and all count.
 */
export class LatestWins {
  readonly #capacity: number
  readonly #latest = new Map<string, number>()

  constructor(capacity = 100_000) {
    this.#capacity = capacity
  }

  /**
   * Records `version` for `key` and says whether it is at least as new as anything seen.
   * Returns false (stale: skip it) when a newer version was applied already.
   */
  accept(key: string, version: number): boolean {
    const seen = this.#latest.get(key)
    if (seen !== undefined && version < seen) return false
    this.#latest.delete(key)
    this.#latest.set(key, version)
    if (this.#latest.size > this.#capacity) {
      const oldest = this.#latest.keys().next().value
      if (oldest !== undefined) this.#latest.delete(oldest)
    }
    return true
  }
}
