import type { Decision, DecisionLog, DecisionQuery } from '@omotenashi/core'
import type { PgDatabase } from './database.js'

/**
 * The DecisionLog on PostgreSQL: each decision is kept whole (jsonb) with the customer and time
 * indexed, so "see why" lists are one index scan. Unbounded: trim with {@link PgDecisionLog.purgeBefore}.
 */
export class PgDecisionLog implements DecisionLog {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  async record(decision: Decision): Promise<void> {
    await this.#db.query(`INSERT INTO ${this.#db.t('decisions')} (id, customer_id, at, body) VALUES ($1, $2, $3, $4::jsonb)`, [
      decision.id,
      decision.customerId,
      decision.at,
      JSON.stringify(decision),
    ])
  }

  async list(customerId: string, query: DecisionQuery = {}): Promise<Decision[]> {
    const rows = await this.#db.query<{ body: Decision }>(
      `SELECT body FROM ${this.#db.t('decisions')}
       WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz)
       ORDER BY at DESC, seq DESC LIMIT $3`,
      [customerId, query.since ?? null, query.limit ?? 50],
    )
    return rows.map((r) => r.body)
  }

  async recent(limit = 50): Promise<Decision[]> {
    const rows = await this.#db.query<{ body: Decision }>(`SELECT body FROM ${this.#db.t('decisions')} ORDER BY seq DESC LIMIT $1`, [limit])
    return rows.map((r) => r.body)
  }

  async eraseCustomer(customerId: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('decisions')} WHERE customer_id = $1 RETURNING seq`, [customerId])).length
  }

  /** Deletes decisions made before `before` (ISO), for retention. Returns how many. */
  async purgeBefore(before: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('decisions')} WHERE at < $1 RETURNING seq`, [before])).length
  }
}
