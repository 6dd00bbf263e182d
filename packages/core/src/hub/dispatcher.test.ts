import { ContainerModule } from 'inversify'
import { describe, expect, it } from 'vitest'
import { RecordingChannel, recordingChannel } from '../channels/recording-channel.js'
import { MemoryIdempotencyLedger } from '../ports/idempotency-ledger.js'
import { createHub } from './hub.js'
import type { Stage } from './pipeline.js'
import { Tokens } from './tokens.js'

// A decision to send one LINE message per check-in, keyed by the event id.
const decide: Stage = {
  run(ctx) {
    if (ctx.event.type !== 'store.checked_in') return
    const key = `d-${ctx.event.id}`
    ctx.decisions.push({
      id: key,
      at: ctx.event.time,
      customerId: ctx.customerId!,
      trigger: ctx.event.type,
      candidates: [{ actionId: 'welcome', status: 'won', reasons: [] }],
      actions: [{ actionId: 'welcome', channels: ['line'], message: { actionId: 'welcome', text: 'hi' }, recipient: { customerId: ctx.customerId!, identifiers: {} }, idempotencyKey: key }],
    })
  },
}

async function hubWith(ledger: MemoryIdempotencyLedger, line: RecordingChannel) {
  return createHub({
    claimStaleAfterMs: 200,
    modules: [
      recordingChannel(line),
      new ContainerModule(({ bind }) => {
        bind(Tokens.DecideStage).toConstantValue(decide)
        bind(Tokens.IdempotencyLedger).toConstantValue(ledger)
      }),
    ],
  })
}

const checkIn = { id: 'e-1', type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1' }, storeId: 'shibuya' } as const

describe('ChannelDispatcher and claims left by other workers', () => {
  it('takes over a send whose claimer died mid-send once the claim is stale, and sends it once', async () => {
    const ledger = new MemoryIdempotencyLedger()
    await ledger.claim('d-e-1:line') // a worker claimed it, then was killed
    const line = new RecordingChannel({ id: 'line' })
    const hub = await hubWith(ledger, line)
    await hub.start()
    await hub.publish(checkIn)
    await hub.drain()
    expect(line.sent).toHaveLength(1)
    expect(await ledger.get('d-e-1:line')).toMatchObject({ state: 'done', result: { status: 'sent' } })
    expect(await hub.deadLetters()).toEqual([])
    await hub.stop()
  })

  it('waits for a live claimer to finish and then sends nothing', async () => {
    const ledger = new MemoryIdempotencyLedger()
    await ledger.claim('d-e-1:line') // another worker is sending it right now…
    setTimeout(() => void ledger.complete('d-e-1:line', { status: 'sent', providerMessageId: 'other-worker' }), 50) // …and finishes
    const line = new RecordingChannel({ id: 'line' })
    const hub = await hubWith(ledger, line)
    const sent: string[] = []
    hub.hooks.on('action.sent', (_a, _c, result) => sent.push(`${result.status}:${result.providerMessageId}`))
    await hub.start()
    await hub.publish(checkIn)
    await hub.drain()
    expect(line.sent).toHaveLength(0)
    expect(sent).toEqual(['duplicate:other-worker'])
    await hub.stop()
  })
})
