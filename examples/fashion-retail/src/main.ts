/**
 * The main job (interim): a hub on embedded defaults that plays a few store and online events
 * and prints what it decides. Replaced by the full fashion-retail demo as the packages land.
 */
import { ContainerModule } from 'inversify'
import { createHub, RecordingChannel, recordingChannel, Tokens, VirtualClock, type Stage } from '@omotenashi/core'

const clock = new VirtualClock('2026-11-21T01:00:00Z')
const line = new RecordingChannel({ id: 'line', now: () => clock.now() })

// A stand-in decide stage: welcome a loyalty member who checks in.
const welcome: Stage = {
  run(ctx) {
    if (ctx.event.type !== 'store.checked_in' || !ctx.customerId) return
    ctx.decisions.push({
      id: `welcome:${ctx.event.id}`,
      at: ctx.event.time,
      customerId: ctx.customerId,
      eventId: ctx.event.id,
      trigger: ctx.event.type,
      candidates: [{ actionId: 'welcome', status: 'won', reasons: [`checked in at ${ctx.event.storeId}`] }],
      actions: [
        {
          actionId: 'welcome',
          channels: ['line'],
          message: { actionId: 'welcome', text: `Welcome to ${ctx.event.storeId}!` },
          recipient: { customerId: ctx.customerId, identifiers: {} },
          idempotencyKey: `welcome:${ctx.event.id}`,
        },
      ],
    })
  },
}

const hub = await createHub({
  clock,
  modules: [new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(welcome)), recordingChannel(line)],
})
hub.hooks.on('decision.made', (d) => console.log(`decided  ${d.customerId}: ${d.candidates.map((c) => `${c.actionId} (${c.status})`).join(', ')}`))
hub.hooks.on('action.sent', (a, channel) => console.log(`sent     ${a.actionId} on ${channel} → ${a.recipient.customerId}`))
await hub.start()
await hub.publish({ type: 'product.viewed', source: 'web', identity: { anonymousId: 'a-1' }, data: { sku: 'COAT-1' } })
await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya' })
await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-2002' }, storeId: 'umeda' })
await hub.drain()
console.log(`\n${line.sent.length} message(s) recorded by the local LINE sink.`)
await hub.stop()
