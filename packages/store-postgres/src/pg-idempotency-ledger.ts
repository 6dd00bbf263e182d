import type { Clock, DeliveryResult, IdempotencyLedger, LedgerEntry } from '@omotenashi/core'
import type { PgDatabase } from './database.js'

/**
 * The IdempotencyLedger on PostgreSQL. A claim is one `INSERT … ON CONFLICT` statement: the
 * insert wins for a new key, and the conflict branch only takes over a pending claim older
 * than `staleAfterMs`, so exactly one of many concurrent callers (in any process) gets `true`.
 */
export class PgIdempotencyLedger implements IdempotencyLedger {
  readonly #db: PgDatabase
  readonly #clock: Clock

  constructor(db: PgDatabase, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  async claim(key: string, staleAfterMs = 60_000): Promise<boolean> {
    const now = this.#clock.now()
    const rows = await this.#db.query(
      `INSERT INTO ${this.#db.t('idempotency')} AS l (key, state, since) VALUES ($1, 'pending', $2)
       ON CONFLICT (key) DO UPDATE SET since = EXCLUDED.since
         WHERE l.state = 'pending' AND l.since <= $2::bigint - $3::bigint
       RETURNING key`,
      [key, now, staleAfterMs],
    )
    return rows.length > 0
  }

  async complete(key: string, result: DeliveryResult): Promise<void> {
    const now = this.#clock.now()
    await this.#db.query(
      `INSERT INTO ${this.#db.t('idempotency')} (key, state, since, done_at, result) VALUES ($1, 'done', $2, $2, $3::jsonb)
       ON CONFLICT (key) DO UPDATE SET state = 'done', done_at = EXCLUDED.done_at, result = EXCLUDED.result`,
      [key, now, JSON.stringify(result)],
    )
  }

  async release(key: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#db.t('idempotency')} WHERE key = $1 AND state = 'pending'`, [key])
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    const [row] = await this.#db.query<{ state: string; since: string; done_at: string | null; result: DeliveryResult | null }>(
      `SELECT state, since, done_at, result FROM ${this.#db.t('idempotency')} WHERE key = $1`,
      [key],
    )
    if (!row) return undefined
    if (row.state === 'done' && row.result) return { state: 'done', result: row.result, at: Number(row.done_at) }
    return { state: 'pending', since: Number(row.since) }
  }

  /** Deletes entries completed before `before` (epoch ms), to bound the table. Returns how many. */
  async purgeDone(before: number): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('idempotency')} WHERE state = 'done' AND done_at < $1 RETURNING key`, [before])).length
  }
}
