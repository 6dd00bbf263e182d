/**
 * One hub worker for the crash test (crash.int.test.ts): NATS bus, PostgreSQL for profiles,
 * ledger and decisions, the LINE channel pointed at the test's local LINE server. The decide
 * stage is a test stand-in (one thank-you message per purchase) so the test measures the bus
 * and the effects, not rule evaluation.
 */
import { openSync, writeSync } from 'node:fs'
import { ContainerModule } from 'inversify'
import { createHub, Tokens, type Stage } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import { postgresStore } from '@omotenashi/store-postgres'
import { lineChannel } from '@omotenashi/channel-line'
import { natsBus } from '../src/index.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

const thankYou: Stage = {
  run(ctx) {
    if (ctx.event.type !== 'pos.purchased' || !ctx.customerId) return
    const lineUserId = ctx.event.identity.lineUserId!
    ctx.decisions.push({
      id: `thanks:${ctx.event.id}`,
      at: ctx.event.time,
      customerId: ctx.customerId,
      eventId: ctx.event.id,
      trigger: ctx.event.type,
      candidates: [{ actionId: 'thanks', status: 'won', reasons: ['purchased'] }],
      actions: [
        {
          actionId: 'thanks',
          channels: ['line'],
          message: { actionId: 'thanks', text: `Thank you for ${ctx.event.id}` },
          recipient: { customerId: ctx.customerId, identifiers: { lineUserId: [lineUserId] } },
          idempotencyKey: `thanks:${ctx.event.id}`,
        },
      ],
    })
  },
}

const hub = await createHub({
  emitOutcomes: false,
  // A send claimed by a worker that was killed mid-send is taken over after 3 s.
  claimStaleAfterMs: 3_000,
  modules: [
    natsBus({ hub: env('HUB'), workerId: env('WORKER_ID'), partitions: 16, leaseMs: 2_000, rebalanceMs: 300, ackWaitMs: 3_000 }),
    postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: env('SCHEMA'), poolSize: 8 }),
    profiles(),
    lineChannel({ channelAccessToken: 'crash-test-token', channelSecret: 'crash-test-secret', baseUrl: env('LINE_URL') }),
    new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(thankYou)),
  ],
})
// The order events took effect in: one line per processed event, on the machine's monotonic
// clock (comparable across processes), written synchronously so a SIGKILL loses none of it.
const orderLog = openSync(env('ORDER_LOG'), 'a')
hub.hooks.on('event.processed', (ctx) => {
  writeSync(orderLog, `${process.hrtime.bigint()} ${ctx.event.id}\n`)
})
await hub.start()
process.send?.('ready')
process.on('SIGTERM', () => {
  void hub.stop().then(() => process.exit(0))
})
