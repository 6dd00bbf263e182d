import type { DeliveryResult } from './channel.js'

/** The state of one idempotency key. */
export type LedgerEntry =
  | { readonly state: 'pending'; readonly since: number }
  | { readonly state: 'done'; readonly result: DeliveryResult; readonly at: number }

/**
 * The IdempotencyLedger port: makes sends exactly-once in effect. `claim` is atomic: only one
 * caller gets `true` for a key; the others see it pending or done.
 */
export interface IdempotencyLedger {
  /** Claims `key`. True if this caller now owns it. A pending claim older than `staleAfterMs` may be taken over. */
  claim(key: string, staleAfterMs?: number): Promise<boolean>
  /** Records the outcome of the owner's send. */
  complete(key: string, result: DeliveryResult): Promise<void>
  /** Releases a claim after a transient failure so a retry may claim again. */
  release(key: string): Promise<void>
  /** The state of `key`. */
  get(key: string): Promise<LedgerEntry | undefined>
}

/** The in-memory ledger (single process). */
export class MemoryIdempotencyLedger implements IdempotencyLedger {
  readonly #entries = new Map<string, LedgerEntry>()
  readonly #now: () => number

  /** @param now - time source, for stale claims (defaults to Date.now). */
  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  async claim(key: string, staleAfterMs = 60_000): Promise<boolean> {
    const entry = this.#entries.get(key)
    if (entry && (entry.state === 'done' || this.#now() - entry.since < staleAfterMs)) return false
    this.#entries.set(key, { state: 'pending', since: this.#now() })
    return true
  }

  async complete(key: string, result: DeliveryResult): Promise<void> {
    this.#entries.set(key, { state: 'done', result, at: this.#now() })
  }

  async release(key: string): Promise<void> {
    if (this.#entries.get(key)?.state === 'pending') this.#entries.delete(key)
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    return this.#entries.get(key)
  }
}
