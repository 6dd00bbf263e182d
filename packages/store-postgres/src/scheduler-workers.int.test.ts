import { SystemClock, type ScheduledTimer } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { PgDatabase } from './database.js'
import { PgScheduler } from './pg-scheduler.js'
import { TEST_DATABASE_URL, testDatabase, type TestDatabase } from './testing/index.js'

const test = await serviceTest('postgres')

const event = (n: number) => ({ type: 'timer.fired', source: 'system', identity: { customerId: `c${n % 7}` }, data: { n } })

/** A "worker": its own pool (as a separate process would have) and its own scheduler, on real time. */
function worker(schema: string, name: string, options: { leaseMs?: number } = {}) {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 })
  const db = new PgDatabase({ pool, schema })
  const scheduler = new PgScheduler(db, new SystemClock(), { pollIntervalMs: 40, batchSize: 25, workerId: name, retryMs: 100, ...options })
  return { scheduler, pool, close: async () => void (await scheduler.stop(), await pool.end()) }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('PgScheduler across workers', () => {
  let t: TestDatabase
  beforeAll(() => void (t = testDatabase('sched_workers')))
  afterAll(async () => void (await t?.drop().catch(() => {})))

  test('two workers on one database fire each of 300 timers exactly once', async () => {
    const a = worker(t.schema, 'worker-a')
    const b = worker(t.schema, 'worker-b')
    const fired = new Map<string, string[]>()
    const record = (name: string) => async (timer: ScheduledTimer) => {
      fired.set(timer.id, [...(fired.get(timer.id) ?? []), name])
      // A little work per timer, so both workers are busy at once.
      await new Promise((r) => setTimeout(r, 1))
    }
    try {
      const now = Date.now()
      // Scheduled through both workers, due over the next 600 ms.
      await Promise.all(
        Array.from({ length: 300 }, (_, n) =>
          (n % 2 ? a : b).scheduler.schedule({ id: `w${n}`, at: now + (n % 60) * 10, customerId: `c${n % 7}`, event: event(n) }),
        ),
      )
      await Promise.all([a.scheduler.start(record('a')), b.scheduler.start(record('b'))])
      await until(() => fired.size === 300)
      await new Promise((r) => setTimeout(r, 300))
      const twice = [...fired].filter(([, by]) => by.length !== 1)
      expect(twice).toEqual([])
      expect(fired.size).toBe(300)
      // Which worker fired how many is left to timing (a busy machine can let one take them
      // all); what must hold is above: every timer fired, and by exactly one worker.
      const left = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".timers`)
      expect(left.rows[0].n).toBe(0)
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('a timer survives a restart: a new instance fires what the old one scheduled', async () => {
    const first = worker(t.schema, 'before-restart')
    const fired: string[] = []
    await first.scheduler.start(async (timer) => void fired.push(`first:${timer.id}`))
    await first.scheduler.schedule({ id: 'survivor', at: Date.now() + 400, customerId: 'c1', event: event(1) })
    await first.close()
    await new Promise((r) => setTimeout(r, 500))
    expect(fired).toEqual([])
    const second = worker(t.schema, 'after-restart')
    try {
      expect((await second.scheduler.list('c1')).map((x) => x.id)).toEqual(['survivor'])
      await second.scheduler.start(async (timer) => void fired.push(`second:${timer.id}`))
      await until(() => fired.length === 1)
      expect(fired).toEqual(['second:survivor'])
      expect(await second.scheduler.list('c1')).toEqual([])
    } finally {
      await second.close()
    }
  })

  test('a worker that dies while firing loses its lease; another worker fires the timer', async () => {
    const dying = worker(t.schema, 'dying', { leaseMs: 300 })
    const fired: string[] = []
    let claimedByDying!: () => void
    const claimed = new Promise<void>((r) => (claimedByDying = r))
    // Never resolves: the process "dies" mid-fire, before it could delete the timer.
    void dying.scheduler.start(() => {
      claimedByDying()
      return new Promise<void>(() => {})
    })
    await dying.scheduler.schedule({ id: 'orphan', at: Date.now(), customerId: 'c9', event: event(9) })
    await claimed
    const healthy = worker(t.schema, 'healthy', { leaseMs: 300 })
    try {
      await healthy.scheduler.start(async (timer) => void fired.push(timer.id))
      await new Promise((r) => setTimeout(r, 150))
      expect(fired).toEqual([])
      await until(() => fired.length === 1)
      expect(fired).toEqual(['orphan'])
    } finally {
      await healthy.close()
      // The dying worker's poll never ends: stop it without waiting, and close its pool.
      void dying.scheduler.stop()
      await dying.pool.end()
    }
  })
})
