import { ContainerModule } from 'inversify'
import { describe, expect, it } from 'vitest'
import { RecordingChannel, recordingChannel } from '../channels/recording-channel.js'
import { VirtualClock } from '../clock.js'
import type { Scheduler } from '../scheduler/scheduler.js'
import { createHub } from './hub.js'
import type { Stage } from './pipeline.js'
import { Tokens } from './tokens.js'

// 18:00 in Tokyo (UTC+9, no DST) is 09:00 UTC.
const nextTokyoEvening = (ms: number): number => {
  const d = new Date(ms)
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 9)
  return at > ms ? at : at + 86_400_000
}

/** A stand-in decide stage: a visit schedules an evening question; the timer sends it. */
function eveningQuestion(scheduler: () => Scheduler): Stage {
  return {
    run(ctx) {
      const { event } = ctx
      if (event.type === 'store.checked_in') {
        return scheduler()
          .schedule({
            id: `ask:${ctx.customerId}:${event.id}`,
            at: nextTokyoEvening(Date.parse(event.time)),
            customerId: ctx.customerId!,
            key: 'ask',
            event: { type: 'timer.fired', source: 'system', identity: { customerId: ctx.customerId! }, data: { timerId: event.id, purpose: 'ask' } },
          })
          .then(() => undefined)
      }
      if (event.type === 'timer.fired' && event.data['purpose'] === 'ask') {
        ctx.decisions.push({
          id: `d:${event.id}`,
          at: event.time,
          customerId: ctx.customerId!,
          eventId: event.id,
          trigger: event.type,
          candidates: [{ actionId: 'how-was-today', status: 'won', reasons: ['visited today'] }],
          actions: [{ actionId: 'how-was-today', channels: ['line'], message: { actionId: 'how-was-today', text: 'How was today?' }, recipient: { customerId: ctx.customerId!, identifiers: {} }, idempotencyKey: `d:${event.id}` }],
        })
      }
      return undefined
    },
  }
}

describe('a virtual day', () => {
  it('runs a day of visits and evening timers on the virtual clock, each question at 18:00 Tokyo time', async () => {
    const clock = new VirtualClock('2026-06-01T00:00:00Z') // 09:00 in Tokyo
    const line = new RecordingChannel({ id: 'line', now: () => clock.now() })
    const module = new ContainerModule(({ bind }) => {
      bind(Tokens.DecideStage).toDynamicValue((c) => eveningQuestion(() => c.get(Tokens.Scheduler))).inSingletonScope()
    })
    const hub = await createHub({ clock, modules: [module, recordingChannel(line)] })
    await hub.start()
    // 50 visitors through the Tokyo day (09:00–17:00 local), one every ~10 minutes.
    for (let i = 0; i < 50; i++) {
      await clock.advance(10 * 60_000)
      await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: `L-${i}` }, storeId: 'odaiba' })
    }
    await hub.drain()
    expect(line.sent).toHaveLength(0)
    expect(await hub.get(Tokens.Scheduler).list('loyaltyId:L-0')).toHaveLength(1)
    await clock.advanceTo('2026-06-01T08:59:59Z')
    await hub.drain()
    expect(line.sent).toHaveLength(0)
    await clock.advanceTo('2026-06-02T00:00:00Z')
    await hub.drain()
    expect(line.sent).toHaveLength(50)
    expect(new Set(line.sent.map((s) => new Date(s.at).toISOString()))).toEqual(new Set(['2026-06-01T09:00:00.000Z']))
    expect(new Set(line.sent.map((s) => s.recipient.customerId)).size).toBe(50)
    await hub.stop()
  })
})
