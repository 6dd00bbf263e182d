import { ContainerModule } from 'inversify'
import { describe, expect, it } from 'vitest'
import { MemoryEventBus } from '../bus/memory-event-bus.js'
import { VirtualClock } from '../clock.js'
import type { OmoEvent } from '../envelope.js'
import { ValidationError } from '../errors.js'
import { RecordingChannel, recordingChannel } from '../channels/recording-channel.js'
import type { Decision } from '../ports/decision.js'
import { createHub } from './hub.js'
import type { Stage } from './pipeline.js'
import { Tokens } from './tokens.js'

const checkIn = { type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1' }, storeId: 'shibuya' } as const

function decideOnce(channels: string[]): ContainerModule {
  const stage: Stage = {
    run(ctx) {
      if (ctx.event.type !== 'store.checked_in') return
      const decision: Decision = {
        id: `d-${ctx.event.id}`,
        at: ctx.event.time,
        customerId: ctx.customerId!,
        eventId: ctx.event.id,
        trigger: ctx.event.type,
        candidates: [{ actionId: 'welcome', status: 'won', reasons: ['test'] }],
        actions: [
          {
            actionId: 'welcome',
            channels,
            message: { actionId: 'welcome', text: 'Welcome back' },
            recipient: { customerId: ctx.customerId!, identifiers: {} },
            idempotencyKey: `d-${ctx.event.id}`,
          },
        ],
      }
      ctx.decisions.push(decision)
    },
  }
  return new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(stage))
}

describe('Hub', () => {
  it('runs an event through the stages, records the decision and sends it', async () => {
    const line = new RecordingChannel({ id: 'line' })
    const hub = await createHub({ clock: new VirtualClock(), modules: [decideOnce(['line']), recordingChannel(line)] })
    const decisions: Decision[] = []
    hub.hooks.on('decision.made', (d) => decisions.push(d))
    await hub.start()
    const event = await hub.publish(checkIn)
    await hub.drain()
    expect(line.sent.map((s) => s.message.text)).toEqual(['Welcome back'])
    expect(decisions).toHaveLength(1)
    const log = await hub.get(Tokens.DecisionLog).list('loyaltyId:L-1')
    expect(log[0]?.eventId).toBe(event.id)
    await hub.stop()
  })

  it('records and announces the decisions of an asynchronous decide stage', async () => {
    const asyncDecide: Stage = {
      async run(ctx) {
        await new Promise((r) => setTimeout(r, 5))
        if (ctx.event.type !== 'store.checked_in') return
        ctx.decisions.push({ id: `d-${ctx.event.id}`, at: ctx.event.time, customerId: ctx.customerId!, trigger: ctx.event.type, candidates: [], actions: [] })
      },
    }
    const hub = await createHub({ modules: [new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(asyncDecide))] })
    const announced: string[] = []
    hub.hooks.on('decision.made', (d) => announced.push(d.id))
    await hub.start()
    const event = await hub.publish(checkIn)
    await hub.drain()
    expect(announced).toEqual([`d-${event.id}`])
    expect((await hub.get(Tokens.DecisionLog).list('loyaltyId:L-1')).map((d) => d.id)).toEqual([`d-${event.id}`])
    await hub.stop()
  })

  it('refuses an invalid event with every problem and applies nothing', async () => {
    const hub = await createHub()
    await hub.start()
    const error = await hub.publish({ type: 'store.checked_in', source: 'App!', identity: {} } as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    const paths = (error as ValidationError).issues.map((i) => i.path).sort()
    expect(paths).toEqual(['source'])
    const error2 = (await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: {}, data: {} }).catch((e: unknown) => e)) as ValidationError
    expect(error2.issues.map((i) => i.path).sort()).toEqual(['data.sku', 'identity', 'storeId'])
    await hub.drain()
    expect(await hub.get(Tokens.DecisionLog).recent()).toEqual([])
    await hub.stop()
  })

  it('falls back to the next channel when one fails permanently', async () => {
    const push = new RecordingChannel({ id: 'push', respond: () => ({ status: 'failed', permanent: true, reason: 'token revoked' }) })
    const inbox = new RecordingChannel({ id: 'inbox' })
    const hub = await createHub({ modules: [decideOnce(['push', 'inbox']), recordingChannel(push), recordingChannel(inbox)] })
    await hub.start()
    await hub.publish(checkIn)
    await hub.drain()
    expect(push.sent).toHaveLength(0)
    expect(inbox.sent).toHaveLength(1)
    await hub.stop()
  })

  it('dead-letters an event whose stage keeps failing, and re-drives it', async () => {
    let fail = true
    const flaky: Stage = {
      run() {
        if (fail) throw new Error('store down')
      },
    }
    const hub = await createHub({ modules: [new ContainerModule(({ bind }) => void bind(Tokens.ProfileStage).toConstantValue(flaky))] })
    await hub.start()
    const event = await hub.publish(checkIn)
    await hub.drain()
    const letters = await hub.deadLetters()
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ stage: 'profile', event: { id: event.id }, error: { message: 'store down' } })
    fail = false
    await hub.redrive(letters[0]!.id)
    await hub.drain()
    expect(await hub.deadLetters()).toHaveLength(0)
    await hub.stop()
  })
})

describe('Hub.publishBatch on a bus that takes events together', () => {
  it('validates first, hands the valid events to publishAll in one call, in order, and reports the bad ones', async () => {
    const calls: string[][] = []
    class BatchingBus extends MemoryEventBus {
      async publishAll(events: readonly OmoEvent[]): Promise<void> {
        calls.push(events.map((e) => e.id))
        for (const event of events) await this.publish(event)
      }
    }
    const hub = await createHub({ modules: [new ContainerModule(({ bind }) => void bind(Tokens.EventBus).toConstantValue(new BatchingBus()))] })
    const accepted: string[] = []
    hub.hooks.on('event.accepted', (e) => accepted.push(e.id))
    await hub.start()
    const result = await hub.publishBatch([
      { ...checkIn, id: 'a' },
      { type: 'store.checked_in', source: 'App!', identity: {} } as never,
      { ...checkIn, id: 'b' },
    ])
    expect(calls).toEqual([['a', 'b']])
    expect(result.accepted).toEqual([{ index: 0, id: 'a' }, { index: 2, id: 'b' }])
    expect(result.rejected.map((r) => [r.index, r.issues[0]?.path])).toEqual([[1, 'source']])
    expect(accepted).toEqual(['a', 'b'])
    await hub.stop()
  })
})
