// docs/deploy.md: one hub worker on NATS JetStream + PostgreSQL (the guide quotes the region).
import { natsBus } from '@omotenashi/bus-nats'
import { createHub, type Hub } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import { postgresStore } from '@omotenashi/store-postgres'

/** Starts one worker; every worker of a deployment runs this same program. */
export async function startWorker(env: { DATABASE_URL?: string; NATS_URL?: string; HUB?: string }): Promise<Hub> {
  // #region worker
  const hub = await createHub({
    modules: [
      natsBus({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222', hub: env.HUB ?? 'shop', partitions: 32, compression: 'deflate' }), // deflate: see Sizing
      postgresStore({ connectionString: env.DATABASE_URL!, schema: env.HUB ?? 'shop' }), // profiles, timers, decisions, ledger, inbox, dead letters, contact history
      profiles(),
      // decisioning({...}), channels…, connectors… — the same as on one process
    ],
  })
  await hub.start()
  process.once('SIGTERM', () => void hub.stop()) // finishes its backlog, hands its partitions over
  // #endregion worker
  return hub
}
