import type { Clock, ScheduledTimer } from '@omotenashi/core'
import type { PgDatabase } from './database.js'
import { PollingScheduler, type ClaimedTimer, type PollingSchedulerOptions, type TimerBackend } from '@omotenashi/core'

interface TimerRow {
  id: string
  due_at: string
  customer_id: string | null
  key: string | null
  event: ScheduledTimer['event']
  gen: string
}

function toTimer(row: TimerRow): ScheduledTimer {
  return {
    id: row.id,
    at: new Date(Number(row.due_at)).toISOString(),
    event: row.event,
    ...(row.customer_id === null ? {} : { customerId: row.customer_id }),
    ...(row.key === null ? {} : { key: row.key }),
  }
}

/** The timers table as a {@link TimerBackend}: claims with `FOR UPDATE SKIP LOCKED` under a lease. */
export class PgTimerBackend implements TimerBackend {
  readonly #db: PgDatabase

  constructor(db: PgDatabase) {
    this.#db = db
  }

  async put(timer: ScheduledTimer, dueAt: number, gen: string): Promise<void> {
    // Replacing resets the lease: a worker still firing the old version cannot delete this one (gen differs).
    await this.#db.query(
      `INSERT INTO ${this.#db.t('timers')} (id, due_at, run_at, customer_id, key, event, gen)
       VALUES ($1, $2, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, run_at = EXCLUDED.run_at, customer_id = EXCLUDED.customer_id,
         key = EXCLUDED.key, event = EXCLUDED.event, gen = EXCLUDED.gen, attempts = 0, owner = NULL`,
      [timer.id, dueAt, timer.customerId ?? null, timer.key ?? null, JSON.stringify(timer.event), gen],
    )
  }

  async remove(id: string): Promise<boolean> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('timers')} WHERE id = $1 RETURNING id`, [id])).length > 0
  }

  async removeByKey(customerId: string, key: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('timers')} WHERE customer_id = $1 AND key = $2 RETURNING id`, [customerId, key])).length
  }

  async removeCustomer(customerId: string): Promise<number> {
    return (await this.#db.query(`DELETE FROM ${this.#db.t('timers')} WHERE customer_id = $1 RETURNING id`, [customerId])).length
  }

  async list(customerId: string): Promise<ScheduledTimer[]> {
    const rows = await this.#db.query<TimerRow>(
      `SELECT id, due_at, customer_id, key, event, gen FROM ${this.#db.t('timers')} WHERE customer_id = $1 ORDER BY due_at, id`,
      [customerId],
    )
    return rows.map(toTimer)
  }

  async claim(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedTimer[]> {
    // SKIP LOCKED: workers polling together take disjoint timers instead of queueing on each other;
    // pushing run_at past the lease is what keeps the claim after this statement commits.
    const rows = await this.#db.query<TimerRow>(
      `WITH due AS (
         SELECT id FROM ${this.#db.t('timers')} WHERE run_at <= $1 ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.#db.t('timers')} t SET run_at = $1::bigint + $3::bigint, owner = $4, attempts = t.attempts + 1
       FROM due WHERE t.id = due.id
       RETURNING t.id, t.due_at, t.customer_id, t.key, t.event, t.gen`,
      [now, limit, leaseMs, owner],
    )
    return rows.map((row) => ({ timer: toTimer(row), gen: row.gen }))
  }

  async complete(id: string, gen: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#db.t('timers')} WHERE id = $1 AND gen = $2`, [id, gen])
  }

  async retry(id: string, gen: string, runAt: number): Promise<void> {
    await this.#db.query(`UPDATE ${this.#db.t('timers')} SET run_at = $3, owner = NULL WHERE id = $1 AND gen = $2`, [id, gen, runAt])
  }
}

/**
 * The durable Scheduler on PostgreSQL: timers survive restarts and fire once across workers
 * sharing the database. See {@link PollingScheduler} for the firing guarantees.
 */
export class PgScheduler extends PollingScheduler {
  readonly #db: PgDatabase

  constructor(db: PgDatabase, clock: Clock, options: PollingSchedulerOptions = {}) {
    super(new PgTimerBackend(db), clock, options)
    this.#db = db
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }
}
