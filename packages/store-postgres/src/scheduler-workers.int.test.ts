import { SystemClock } from '@omotenashi/core'
import { describeSchedulerWorkersSuite, isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import pg from 'pg'
import { PgDatabase } from './database.js'
import { PgScheduler } from './pg-scheduler.js'
import { TEST_DATABASE_URL, testDatabase } from './testing/index.js'

// Skipped when PostgreSQL is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then they run, and fail).
if ((await isReachable(SERVICE_PORTS.postgres)) || servicesRequired) {
  describeSchedulerWorkersSuite('PgScheduler', () => {
    const t = testDatabase('sched_workers')
    return {
      // Each worker its own pool, as a separate process would have.
      worker: (name, options) => {
        const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 })
        const scheduler = new PgScheduler(new PgDatabase({ pool, schema: t.schema }), new SystemClock(), {
          pollIntervalMs: 40, batchSize: 25, workerId: name, retryMs: 100, ...options,
        })
        return { scheduler, close: async () => void (await scheduler.stop(), await pool.end()), abandon: () => pool.end() }
      },
      timersLeft: async () => (await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.schema}".timers`)).rows[0]!.n,
      cleanup: t.drop,
    }
  })
}
