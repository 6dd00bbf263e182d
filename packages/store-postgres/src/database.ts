import pg from 'pg'
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg'
import { MIGRATIONS, type Migration } from './migrations.js'

/** Options of {@link PgDatabase}. */
export interface PgDatabaseOptions {
  /** A pool you own: it is used, never closed by the store. */
  readonly pool?: Pool | undefined
  /** Used to open a pool when none is given; that pool is closed on destroy. */
  readonly connectionString?: string | undefined
  /** Size of a pool the store opens. Default 10. */
  readonly poolSize?: number | undefined
  /** The PostgreSQL schema holding every table. Default `omotenashi`. */
  readonly schema?: string | undefined
  /** Apply the shipped migrations on init. Default true. */
  readonly migrate?: boolean | undefined
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * The connection shared by every PostgreSQL adapter of one `postgresStore()`: the pool, the
 * schema, and the one-time migration. `init` is idempotent so every port can call it first
 * (the hub starts lifecycles in binding order, and a port may be used before its own init).
 */
export class PgDatabase {
  /** The pool every query runs on. */
  readonly pool: Pool
  /** The schema name (validated: safe to splice into SQL). */
  readonly schema: string
  readonly #owned: boolean
  readonly #migrate: boolean
  #ready: Promise<void> | undefined
  #closed = false

  constructor(options: PgDatabaseOptions) {
    const schema = options.schema ?? 'omotenashi'
    if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) throw new RangeError(`schema: "${schema}" must be lower-case letters, digits and _`)
    this.schema = schema
    this.#migrate = options.migrate ?? true
    if (options.pool) {
      this.pool = options.pool
      this.#owned = false
    } else {
      if (!options.connectionString) throw new RangeError('pool or connectionString: one is required')
      this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 })
      // An idle client losing its connection must not crash the process: pg re-connects on next use.
      this.pool.on('error', () => {})
      this.#owned = true
    }
  }

  /** `"schema".name`, for SQL text. */
  t(name: string): string {
    return `"${this.schema}".${name}`
  }

  /** Applies migrations once (concurrent callers share the same promise). */
  init(): Promise<void> {
    if (!this.#ready) {
      const ready = this.#migrate ? migrate(this.pool, this.schema, MIGRATIONS).then(() => {}) : Promise.resolve()
      // A failed init may be retried by the next caller.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined
      })
      this.#ready = ready
    }
    return this.#ready
  }

  /** Closes the pool if this store opened it; a pool it was given is left alone. */
  async destroy(): Promise<void> {
    if (this.#owned && !this.#closed) {
      this.#closed = true
      await this.pool.end()
    }
  }

  /** Runs one query after init. */
  async query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    await this.init()
    const result = await this.pool.query<R>(text, values)
    return result.rows
  }

  /**
   * Runs `fn` in a transaction on one client; rolls back on error. `begin` may append statements
   * without parameters to the BEGIN (one round trip instead of two, e.g. taking advisory locks);
   * `fn` gets their results, in order (the BEGIN's first).
   */
  async transaction<T>(fn: (client: PoolClient, begun: readonly QueryResult[]) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    await this.init()
    const client = await this.pool.connect()
    try {
      // Several statements in one simple-protocol query answer with an array of results.
      const begun: QueryResult | QueryResult[] = await client.query(begin)
      const result = await fn(client, Array.isArray(begun) ? begun : [begun])
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
}

/**
 * Applies the migrations not applied yet, in order, in one transaction under an advisory lock
 * keyed by the schema, so several workers starting together migrate once and never half-way.
 */
export async function migrate(pool: Pool, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  const client = await pool.connect()
  const applied: string[] = []
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`omotenashi:migrate:${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const done = new Set((await client.query<{ id: string }>(`SELECT id FROM "${schema}".migrations`)).rows.map((r) => r.id))
    for (const migration of migrations) {
      if (done.has(migration.id)) continue
      await client.query(migration.sql(`"${schema}"`))
      await client.query(`INSERT INTO "${schema}".migrations (id) VALUES ($1)`, [migration.id])
      applied.push(migration.id)
    }
    await client.query('COMMIT')
    return applied
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
