/**
 * The latest reply token per LINE user, while fresh. A reply is free (it does not count against
 * the monthly message quota) and LINE accepts a token once, shortly after the webhook that
 * brought it, so a send soon after the user wrote goes out as a reply. Bounded, in memory.
 */
export class ReplyTokens {
  readonly #tokens = new Map<string, { token: string; at: number }>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #now: () => number

  constructor(options: { ttlMs: number; maxEntries?: number; now: () => number }) {
    this.#ttlMs = options.ttlMs
    this.#max = options.maxEntries ?? 100_000
    this.#now = options.now
  }

  /** Remembers a token received at `at` (epoch ms; the webhook event's timestamp). */
  remember(lineUserId: string, token: string, at: number): void {
    this.#tokens.delete(lineUserId)
    this.#tokens.set(lineUserId, { token, at })
    while (this.#tokens.size > this.#max) this.#tokens.delete(this.#tokens.keys().next().value!)
  }

  /** Takes the user's token if still fresh; a token is handed out once. */
  take(lineUserId: string): string | undefined {
    const entry = this.#tokens.get(lineUserId)
    if (!entry) return undefined
    this.#tokens.delete(lineUserId)
    return this.#now() - entry.at <= this.#ttlMs ? entry.token : undefined
  }
}
