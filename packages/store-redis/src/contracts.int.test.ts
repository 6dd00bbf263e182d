import { VirtualClock } from '@omotenashi/core'
import {
  describeDeadLetterStoreContract,
  describeDecisionLogContract,
  describeIdempotencyLedgerContract,
  describeInboxStoreContract,
  describeSchedulerContract,
  isReachable,
  SERVICE_PORTS,
  servicesRequired,
  virtualTime,
} from '@omotenashi/core/testing'
import { describeContactHistoryAcrossHubs, describeContactHistoryContract } from '@omotenashi/decisioning/testing'
import { describe, it } from 'vitest'
import { RedisConnection } from './connection.js'
import { RedisContactHistory } from './redis-contact-history.js'
import { RedisDeadLetterStore } from './redis-dead-letter-store.js'
import { RedisDecisionLog } from './redis-decision-log.js'
import { RedisIdempotencyLedger } from './redis-idempotency-ledger.js'
import { RedisInboxStore } from './redis-inbox-store.js'
import { RedisScheduler } from './redis-scheduler.js'
import { redisStore } from './redis-store.js'
import { testRedis } from './testing/index.js'

// Core's contract suites, each test under a fresh key prefix. Skipped when Redis is down, unless
// OMOTENASHI_REQUIRE_SERVICES=1, when they run (and fail).
const up = (await isReachable(SERVICE_PORTS.redis)) || servicesRequired

function fresh(label: string): { r: RedisConnection; cleanup: () => Promise<void> } {
  const t = testRedis(label)
  return { r: new RedisConnection({ client: t.client, prefix: t.prefix }), cleanup: t.drop }
}

if (up) {
  describeSchedulerContract('RedisScheduler', async () => {
    const { r, cleanup } = fresh('contract-sched')
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const scheduler = new RedisScheduler(r, clock, { pollIntervalMs: 1_000 })
    const time = virtualTime(clock)
    return {
      scheduler,
      now: time.now,
      // A Redis round trip does not settle inside the virtual clock's few turns: wait for a poll explicitly.
      advanceTo: async (at) => {
        await time.advanceTo(at)
        await scheduler.pollNow()
      },
      cleanup,
    }
  })
  describeIdempotencyLedgerContract('RedisIdempotencyLedger', async () => {
    const { r, cleanup } = fresh('contract-ledger')
    return { ledger: new RedisIdempotencyLedger(r, new VirtualClock()), cleanup }
  })
  describeDecisionLogContract('RedisDecisionLog', async () => {
    const { r, cleanup } = fresh('contract-decisions')
    return { log: new RedisDecisionLog(r), cleanup }
  })
  describeInboxStoreContract('RedisInboxStore', async () => {
    const { r, cleanup } = fresh('contract-inbox')
    return { inbox: new RedisInboxStore(r), cleanup }
  })
  describeDeadLetterStoreContract('RedisDeadLetterStore', async () => {
    const { r, cleanup } = fresh('contract-dlq')
    return { store: new RedisDeadLetterStore(r), cleanup }
  })
  describeContactHistoryContract('RedisContactHistory', () => {
    const { r, cleanup } = fresh('contract-contacts')
    return { history: new RedisContactHistory(r), cleanup }
  }, {
    bounded: (perCustomer) => {
      const { r, cleanup } = fresh('contract-contacts-bounded')
      return { history: new RedisContactHistory(r, { perCustomer }), cleanup }
    },
  })
  describeContactHistoryAcrossHubs('redisStore', () => {
    const t = testRedis('contacts-hubs')
    return { modules: () => [redisStore({ client: t.client, prefix: t.prefix })], cleanup: t.drop }
  })
} else {
  describe.skip('core contracts on Redis (Redis is not reachable)', () => it('skipped', () => {}))
}
