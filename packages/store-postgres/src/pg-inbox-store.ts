import type { InboxMessage, InboxQuery, InboxStore } from '@omotenashi/core'
import type { PgDatabase } from './database.js'

interface InboxRow {
  body: InboxMessage
  read_at: string | null
}

const withRead = (row: InboxRow): InboxMessage => (row.read_at === null ? row.body : { ...row.body, readAt: row.read_at })

/** The in-app InboxStore on PostgreSQL, keyed by (customer, message id) so a retried send stores once. */
export class PgInboxStore implements InboxStore {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  async put(message: InboxMessage): Promise<boolean> {
    const { readAt, ...body } = message
    const rows = await this.#db.query(
      `INSERT INTO ${this.#db.t('inbox')} (customer_id, id, created_at, expires_at, read_at, body)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING RETURNING id`,
      [message.customerId, message.id, message.createdAt, message.expiresAt ?? null, readAt ?? null, JSON.stringify(body)],
    )
    return rows.length > 0
  }

  async list(customerId: string, query: InboxQuery = {}): Promise<InboxMessage[]> {
    const rows = await this.#db.query<InboxRow>(
      `SELECT body, read_at FROM ${this.#db.t('inbox')}
       WHERE customer_id = $1 AND (expires_at IS NULL OR expires_at > $2::timestamptz) AND (NOT $3 OR read_at IS NULL)
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [customerId, query.now ?? new Date().toISOString(), query.unreadOnly ?? false, query.limit ?? 50],
    )
    return rows.map(withRead)
  }

  async markRead(customerId: string, id: string, at: string): Promise<boolean> {
    // The first read time is kept: a second device reporting it later changes nothing.
    const rows = await this.#db.query(
      `UPDATE ${this.#db.t('inbox')} SET read_at = COALESCE(read_at, $3) WHERE customer_id = $1 AND id = $2 RETURNING id`,
      [customerId, id, at],
    )
    return rows.length > 0
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('inbox')} WHERE customer_id = $1 AND id = $2 RETURNING id`, [customerId, id])).length > 0
  }

  async eraseCustomer(customerId: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('inbox')} WHERE customer_id = $1 RETURNING id`, [customerId])).length
  }
}
