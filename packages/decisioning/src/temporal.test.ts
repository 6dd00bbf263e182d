import { Tokens } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { parseRules } from './load-rules.js'
import { sends, storyCustomer, storyHub } from './test-support.js'

const rules = parseRules(`
- id: pickup-reminder
  when: { event: order.ready_for_pickup }
  wait:
    for: 1h
    cancelOn: [{ event: order.picked_up, same: data.orderId }]
    if: { profile.traits.prefers_reminders: { ne: false } }
    expireAfter: 30m
  do: { action: come-pick-up }
`)
const actions = [{ id: 'come-pick-up', channels: ['push'], quietHours: 'ignore' as const, content: { default: { title: 'Order {{data.orderId}} is waiting' } } }]

describe('waits', () => {
  it('a wait is cancelled by the matching event only ("the order was picked up")', async () => {
    const { hub, clock, channels } = await storyHub({ rules, actions, policies: { moment: '1m' } })
    const c = await storyCustomer(hub, 'C', { push: true })
    await hub.publish({ type: 'order.ready_for_pickup', source: 'pos', identity: c, data: { orderId: 'o-1' } })
    await hub.publish({ type: 'order.ready_for_pickup', source: 'pos', identity: c, data: { orderId: 'o-2' } })
    await hub.drain()
    await clock.advance(20 * 60_000)
    await hub.publish({ type: 'order.picked_up', source: 'pos', identity: c, data: { orderId: 'o-1' } })
    await hub.drain()
    await clock.advance(50 * 60_000)
    await hub.drain()
    expect(channels.push.sent.map((s) => s.message.title)).toEqual(['Order o-2 is waiting'])
    await hub.stop()
  })

  it('the condition is re-checked when the wait ends, on the profile as it is then', async () => {
    const { hub, clock, channels } = await storyHub({ rules, actions })
    const c = await storyCustomer(hub, 'C', { push: true })
    await hub.publish({ type: 'order.ready_for_pickup', source: 'pos', identity: c, data: { orderId: 'o-1' } })
    await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: c, data: { traits: { prefers_reminders: false } } })
    await hub.drain()
    await clock.advance(61 * 60_000)
    await hub.drain()
    expect(sends(channels)).toEqual([])
    const id = (await hub.get(Tokens.IdentityResolver).resolve(c, { create: false }))!
    expect((await hub.get(Tokens.DecisionLog).list(id, { limit: 1 }))[0]?.candidates[0]?.policy).toBe('wait.condition')
    await hub.stop()
  })

  it('a timer delivered too late is dropped: timing is part of the rule', async () => {
    const { hub, clock, channels } = await storyHub({ rules, actions })
    const c = await storyCustomer(hub, 'C', { push: true })
    const id = (await hub.get(Tokens.IdentityResolver).resolve(c, { create: false }))!
    const due = clock.now() - 2 * 3_600_000
    await hub.publish({
      type: 'timer.fired',
      source: 'system',
      identity: { customerId: id },
      data: { timerId: 'late', purpose: 'decisioning:wait', payload: { ruleId: 'pickup-reminder', event: { id: 'x', type: 'order.ready_for_pickup', source: 'pos', time: new Date(due).toISOString(), data: { orderId: 'o-9' } }, startedAt: due - 3_600_000, dueAt: due } },
    })
    await hub.drain()
    expect(sends(channels)).toEqual([])
    expect((await hub.get(Tokens.DecisionLog).list(id, { limit: 1 }))[0]?.candidates[0]).toMatchObject({ status: 'ineligible', policy: 'wait.expired' })
    await hub.stop()
  })
})
