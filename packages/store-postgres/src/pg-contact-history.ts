import { DEFAULT_CONTACTS_PER_CUSTOMER, type ContactHistory, type ContactHistoryOptions, type ContactRecord } from '@omotenashi/decisioning'
import type { PgDatabase } from './database.js'

/**
 * The decisioning stage's ContactHistory on PostgreSQL: what was planned for whom, shared by
 * every worker, so frequency caps, cool-downs and "max per customer" hold when a customer's
 * events move to another worker (a rebalance, a crash) or a process restarts. The in-memory
 * default forgets all of it then.
 *
 * Each call is one statement: `record` inserts (a key recorded before is left as it is) and
 * trims the customer's oldest contacts beyond `perCustomer` in the same round trip.
 */
export class PgContactHistory implements ContactHistory {
  readonly #db: PgDatabase
  readonly #perCustomer: number

  constructor(db: PgDatabase, options: ContactHistoryOptions = {}) {
    this.#db = db
    this.#perCustomer = options.perCustomer ?? DEFAULT_CONTACTS_PER_CUSTOMER
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  async record(contact: ContactRecord): Promise<void> {
    const t = this.#db.t('contacts')
    // The trim runs only when the insert happened, and sees the rows as they were before it, so
    // it keeps perCustomer - 1 of them beside the new one.
    await this.#db.query(
      `WITH added AS (
         INSERT INTO ${t} (customer_id, key, at, body) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING RETURNING 1
       )
       DELETE FROM ${t} c
       WHERE EXISTS (SELECT 1 FROM added) AND c.customer_id = $1 AND (c.at, c.seq) <= (
         SELECT at, seq FROM ${t} WHERE customer_id = $1 ORDER BY at DESC, seq DESC OFFSET $5 LIMIT 1
       )`,
      [contact.customerId, contact.key, contact.at, JSON.stringify(contact), this.#perCustomer - 1],
    )
  }

  async list(customerId: string, since: number): Promise<ContactRecord[]> {
    const rows = await this.#db.query<{ body: ContactRecord }>(
      `SELECT body FROM ${this.#db.t('contacts')} WHERE customer_id = $1 AND at >= $2 ORDER BY at, seq`,
      // A bigint column: -Infinity ("since ever") becomes the smallest safe integer.
      [customerId, Math.max(Math.ceil(since), Number.MIN_SAFE_INTEGER)],
    )
    return rows.map((row) => row.body)
  }

  async confirmChannel(customerId: string, key: string, channel: string): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE ${this.#db.t('contacts')} SET body = body || jsonb_build_object('channel', $3::text)
       WHERE customer_id = $1 AND key = $2 RETURNING 1`,
      [customerId, key, channel],
    )
    return rows.length > 0
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const rows = await this.#db.query(`DELETE FROM ${this.#db.t('contacts')} WHERE customer_id = $1 RETURNING 1`, [customerId])
    return rows.length
  }
}
