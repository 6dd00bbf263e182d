/** A hub worker for bench/nats.ts: NATS bus, memory profiles (customers stay with their partition's owner). */
import { createHub } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import { natsBus } from '@omotenashi/bus-nats'

const hub = await createHub({
  emitOutcomes: false,
  modules: [
    natsBus({ hub: process.env['HUB']!, workerId: process.env['WORKER_ID']!, partitions: 32, maxAckPending: Number(process.env['MAX_ACK_PENDING']), leaseMs: 3_000, rebalanceMs: 500 }),
    profiles(),
  ],
})
await hub.start()
process.send?.('ready')
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)))
