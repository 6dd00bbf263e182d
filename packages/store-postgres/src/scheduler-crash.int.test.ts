import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SystemClock } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { PgDatabase } from './database.js'
import { PgScheduler } from './pg-scheduler.js'
import { TEST_DATABASE_URL, testDatabase, type TestDatabase } from './testing/index.js'

const test = await serviceTest('postgres')
const WORKER = fileURLToPath(new URL('./fixtures/scheduler-worker.ts', import.meta.url))
const TIMERS = 400
const LEASE_MS = 1_500

/** Starts a worker process and resolves once its scheduler runs. */
function spawnWorker(schema: string, name: string): Promise<ChildProcess> {
  const child = fork(WORKER, [TEST_DATABASE_URL, schema, name, String(LEASE_MS)], {
    execArgv: ['--conditions=@omotenashi/source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready`)))
  })
}

describe('PgScheduler worker processes', () => {
  let t: TestDatabase
  beforeAll(() => void (t = testDatabase('sched_crash')))
  afterAll(async () => void (await t?.drop().catch(() => {})))

  test('one of two worker processes is SIGKILLed mid-batch: every timer still fires, and only timers the dead one held fire twice', async () => {
    const db = new PgDatabase({ pool: t.pool, schema: t.schema })
    await db.init()
    await t.pool.query(`CREATE TABLE "${t.schema}".fired (id text NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`)
    const workers = await Promise.all([spawnWorker(t.schema, 'a'), spawnWorker(t.schema, 'b')])
    try {
      const scheduler = new PgScheduler(db, new SystemClock())
      const now = Date.now()
      for (let i = 0; i < TIMERS; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) =>
            scheduler.schedule({ id: `t${i + j}`, at: now + ((i + j) % 100) * 15, event: { type: 'timer.fired', source: 'system', data: { timerId: `t${i + j}`, purpose: 'crash' } } }),
          ),
        )
      }
      // Let both work for a while, then kill one without warning.
      const count = async (sql: string) => (await t.pool.query<{ n: number }>(sql)).rows[0]!.n
      const deadline = Date.now() + 30_000
      while ((await count(`SELECT count(*)::int AS n FROM "${t.schema}".fired WHERE worker = 'a'`)) < 40) {
        if (Date.now() > deadline) throw new Error('worker a never fired')
        await new Promise((r) => setTimeout(r, 10))
      }
      const dead = new Promise((r) => workers[0]!.once('exit', r))
      workers[0]!.kill('SIGKILL')
      await dead
      const heldByA = await t.pool.query<{ id: string }>(`SELECT id FROM "${t.schema}".timers WHERE owner = 'a'`)
      while ((await count(`SELECT count(*)::int AS n FROM "${t.schema}".timers`)) > 0) {
        if (Date.now() > deadline + 30_000) throw new Error('timers were left unfired')
        await new Promise((r) => setTimeout(r, 50))
      }
      const { rows } = await t.pool.query<{ id: string; workers: string[] }>(
        `SELECT id, array_agg(worker ORDER BY at) AS workers FROM "${t.schema}".fired GROUP BY id`,
      )
      expect(rows).toHaveLength(TIMERS)
      const twice = rows.filter((r) => r.workers.length > 1)
      // A duplicate is only ever a timer the killed worker had claimed (and maybe fired) but not deleted.
      const held = new Set(heldByA.rows.map((r) => r.id))
      for (const r of twice) {
        expect(r.workers).toEqual(['a', 'b'])
        expect(held.has(r.id)).toBe(true)
      }
      expect(rows.filter((r) => r.workers.includes('b')).length).toBeGreaterThan(0)
    } finally {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM')
      await Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null ? undefined : new Promise((r) => w.once('exit', r)))))
    }
  })
})
