// The getting-started guide: the same hub on PostgreSQL and NATS JetStream.
import { natsBus } from '@omotenashi/bus-nats'
import { createHub, type Hub } from '@omotenashi/core'
import { decisioning, type RuleBook } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { postgresStore } from '@omotenashi/store-postgres'
import pg from 'pg'

/** The guide's hub on real infrastructure (DATABASE_URL, NATS_URL). */
export async function scaledHub(rules: RuleBook): Promise<{ hub: Hub; pool: pg.Pool }> {
  // #region scale
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })

  const hub = await createHub({
    modules: [
      profiles(),
      decisioning({ rules }),
      postgresStore({ pool, schema: 'getting_started' }), // profiles, timers, decision log, ledger, inbox
      natsBus({ servers: process.env.NATS_URL, hub: 'getting-started' }), // several workers, partitioned by customer
    ],
  })
  await hub.start()
  // #endregion scale
  return { hub, pool }
}
