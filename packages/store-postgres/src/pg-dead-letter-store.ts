import { randomUUID } from 'node:crypto'
import type { DeadLetter, DeadLetterQuery, DeadLetterStore, OmoEvent } from '@omotenashi/core'
import type { PgDatabase } from './database.js'

interface LetterRow {
  id: string
  stage: string
  at: string
  event: OmoEvent
  error: DeadLetter['error']
  redriven: number
}

const toLetter = (r: LetterRow): DeadLetter => ({ id: r.id, event: r.event, stage: r.stage, error: r.error, at: r.at, redriven: r.redriven })

const COLUMNS = 'id, stage, at, event, error, redriven'

/**
 * The DeadLetterStore on PostgreSQL. The same event failing again at the same stage updates its
 * letter (counting the re-drive) instead of adding a second one, as the memory store does.
 */
export class PgDeadLetterStore implements DeadLetterStore {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  async add(entry: Omit<DeadLetter, 'id' | 'redriven'>): Promise<DeadLetter> {
    const [row] = await this.#db.query<LetterRow>(
      `INSERT INTO ${this.#db.t('dead_letters')} AS d (id, event_id, stage, at, event, error) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
       ON CONFLICT (event_id, stage) DO UPDATE SET at = EXCLUDED.at, event = EXCLUDED.event, error = EXCLUDED.error, redriven = d.redriven + 1
       RETURNING ${COLUMNS}`,
      [randomUUID(), entry.event.id, entry.stage, entry.at, JSON.stringify(entry.event), JSON.stringify(entry.error)],
    )
    return toLetter(row!)
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const rows = await this.#db.query<LetterRow>(
      `SELECT ${COLUMNS} FROM ${this.#db.t('dead_letters')} WHERE ($1::text IS NULL OR stage = $1) ORDER BY seq LIMIT $2`,
      [query.stage ?? null, query.limit ?? 100],
    )
    return rows.map(toLetter)
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [row] = await this.#db.query<LetterRow>(`SELECT ${COLUMNS} FROM ${this.#db.t('dead_letters')} WHERE id = $1`, [id])
    return row && toLetter(row)
  }

  async remove(id: string): Promise<boolean> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('dead_letters')} WHERE id = $1 RETURNING id`, [id])).length > 0
  }

  async count(): Promise<number> {
    const [row] = await this.#db.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.#db.t('dead_letters')}`)
    return Number(row?.n ?? 0)
  }
}
