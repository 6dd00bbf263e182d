import { SystemClock } from '@omotenashi/core'
import { describeSchedulerWorkersSuite, isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { Redis } from 'ioredis'
import { RedisConnection } from './connection.js'
import { RedisScheduler } from './redis-scheduler.js'
import { TEST_REDIS_URL, testRedis } from './testing/index.js'

// Skipped when Redis is down, unless OMOTENASHI_REQUIRE_SERVICES=1 (then they run, and fail).
if ((await isReachable(SERVICE_PORTS.redis)) || servicesRequired) {
  describeSchedulerWorkersSuite('RedisScheduler', () => {
    const t = testRedis('sched-workers')
    return {
      // Each worker its own connection, as a separate process would have.
      worker: (name, options) => {
        const client = new Redis(TEST_REDIS_URL)
        const scheduler = new RedisScheduler(new RedisConnection({ client, prefix: t.prefix }), new SystemClock(), {
          pollIntervalMs: 40, batchSize: 25, workerId: name, retryMs: 100, ...options,
        })
        return { scheduler, close: async () => void (await scheduler.stop(), await client.quit()), abandon: async () => client.disconnect() }
      },
      timersLeft: async () => {
        // Both the run queue and the timer bodies must be gone.
        let left = await t.client.zcard(`${t.prefix}timers:run`)
        let cursor = '0'
        do {
          const [next, bodies] = await t.client.scan(cursor, 'MATCH', `${t.prefix}timer:*`, 'COUNT', 10_000)
          left += bodies.length
          cursor = next
        } while (cursor !== '0')
        return left
      },
      cleanup: t.drop,
    }
  })
}
