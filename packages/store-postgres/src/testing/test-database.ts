import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Pool } from 'pg'

/** The local test database: `OMOTENASHI_PG_URL`, else postgres@127.0.0.1:5432/test. */
export const TEST_DATABASE_URL = process.env['OMOTENASHI_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A pool on the test database and a schema name no one else uses; `drop` removes the schema and closes the pool. */
export interface TestDatabase {
  readonly pool: Pool
  readonly schema: string
  /** Drops the schema (and everything in it) and ends the pool. */
  readonly drop: () => Promise<void>
}

/**
 * Opens a pool on the test database with a fresh schema name (`omo_<label>_<random>`), so test files
 * running in parallel, and other engineers' tests, never share tables.
 */
export function testDatabase(label = 'test'): TestDatabase {
  const schema = `omo_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40)}_${randomBytes(5).toString('hex')}`
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 10 })
  pool.on('error', () => {})
  return {
    pool,
    schema,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    },
  }
}
