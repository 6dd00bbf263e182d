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
import { PgDatabase } from './database.js'
import { PgContactHistory } from './pg-contact-history.js'
import { PgDeadLetterStore } from './pg-dead-letter-store.js'
import { PgDecisionLog } from './pg-decision-log.js'
import { PgIdempotencyLedger } from './pg-idempotency-ledger.js'
import { PgInboxStore } from './pg-inbox-store.js'
import { PgScheduler } from './pg-scheduler.js'
import { postgresStore } from './postgres-store.js'
import { testDatabase } from './testing/index.js'

// Core's contract suites, each test on a fresh schema. Skipped when PostgreSQL is down, unless
// OMOTENASHI_REQUIRE_SERVICES=1, when they run (and fail).
const up = (await isReachable(SERVICE_PORTS.postgres)) || servicesRequired

/** A migrated database on a fresh schema, and how to drop it. */
async function fresh(label: string): Promise<{ db: PgDatabase; cleanup: () => Promise<void> }> {
  const t = testDatabase(label)
  const db = new PgDatabase({ pool: t.pool, schema: t.schema })
  await db.init()
  return { db, cleanup: t.drop }
}

if (up) {
  describeSchedulerContract('PgScheduler', async () => {
    const { db, cleanup } = await fresh('contract_sched')
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const scheduler = new PgScheduler(db, clock, { pollIntervalMs: 1_000 })
    const time = virtualTime(clock)
    return {
      scheduler,
      now: time.now,
      // A database poll does not settle inside the virtual clock's few turns: wait for one explicitly.
      advanceTo: async (at) => {
        await time.advanceTo(at)
        await scheduler.pollNow()
      },
      cleanup,
    }
  })
  describeIdempotencyLedgerContract('PgIdempotencyLedger', async () => {
    const { db, cleanup } = await fresh('contract_ledger')
    return { ledger: new PgIdempotencyLedger(db, new VirtualClock()), cleanup }
  })
  describeDecisionLogContract('PgDecisionLog', async () => {
    const { db, cleanup } = await fresh('contract_decisions')
    return { log: new PgDecisionLog(db), cleanup }
  })
  describeInboxStoreContract('PgInboxStore', async () => {
    const { db, cleanup } = await fresh('contract_inbox')
    return { inbox: new PgInboxStore(db), cleanup }
  })
  describeDeadLetterStoreContract('PgDeadLetterStore', async () => {
    const { db, cleanup } = await fresh('contract_dlq')
    return { store: new PgDeadLetterStore(db), cleanup }
  })
  describeContactHistoryContract(
    'PgContactHistory',
    async () => {
      const { db, cleanup } = await fresh('contract_contacts')
      return { history: new PgContactHistory(db), cleanup }
    },
    {
      bounded: async (perCustomer) => {
        const { db, cleanup } = await fresh('contract_contacts_bounded')
        return { history: new PgContactHistory(db, { perCustomer }), cleanup }
      },
    },
  )
  describeContactHistoryAcrossHubs('postgresStore', () => {
    const t = testDatabase('contacts_hubs')
    return { modules: () => [postgresStore({ pool: t.pool, schema: t.schema })], cleanup: t.drop }
  })
} else {
  describe.skip('core contracts on PostgreSQL (PostgreSQL is not reachable)', () => it('skipped', () => {}))
}
