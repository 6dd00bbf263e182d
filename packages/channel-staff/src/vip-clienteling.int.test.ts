import { Tokens, type OmoEvent, type PipelineContext } from '@omotenashi/core'
import { profiles, ProfileTokens } from '@omotenashi/profile'
import { afterEach, describe, expect, it } from 'vitest'
import { startStaffHub, type StaffHub } from './test-fixtures.js'
import { connectStaffClient, type StaffTestClient } from './testing/index.js'

describe('VIP clienteling over real sockets', () => {
  let env: StaffHub | undefined
  const clients: StaffTestClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await env?.stop()
    env = undefined
  })

  it('a check-in at store A puts a card on A within a second, nothing on B, and the acknowledgement becomes an event', async () => {
    env = await startStaffHub({ modules: [profiles()] })
    const { hub, url } = env
    const processed: OmoEvent[] = []
    hub.hooks.on('event.processed', (ctx: PipelineContext) => processed.push(ctx.event))

    const a = await connectStaffClient(url, env.token('sato', ['shibuya']), { store: 'shibuya' })
    const a2 = await connectStaffClient(url, env.token('tanaka', ['shibuya']), { tokenIn: 'query' })
    const b = await connectStaffClient(url, env.token('kato', ['umeda']), { store: 'umeda' })
    clients.push(a, a2, b)

    const started = performance.now()
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya', data: { method: 'beacon' } })
    const card = await a.waitFor('card', undefined, 1_000)
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(1_000)
    expect(card.card).toMatchObject({
      storeId: 'shibuya',
      actionId: 'vip-greet',
      suggestion: 'Ask how the coat bought last week fits',
      avoid: ['Do not mention the coat sale'],
      priority: 'high',
      customer: { loyaltyId: 'L-1001' },
    })
    expect(card.seq).toBe(1)
    await a2.waitFor('card', (m) => m.card.id === card.card.id, 1_000)

    // The acknowledgement, over the socket, becomes a staff.acknowledged event about the customer.
    a.send({ type: 'ack', cardId: card.card.id, outcome: 'served', note: 'Loved the coat', requestId: 'r1' })
    const result = await a.waitFor('ack.result', (m) => m.requestId === 'r1')
    expect(result).toMatchObject({ ok: true, eventId: expect.stringContaining(card.card.id) })
    // The other shibuya device sees the card was served.
    const seen = await a2.waitFor('ack', (m) => m.cardId === card.card.id)
    expect(seen.ack).toMatchObject({ staffId: 'sato', outcome: 'served', note: 'Loved the coat' })
    await hub.drain()
    const ack = processed.find((e) => e.type === 'staff.acknowledged')
    expect(ack).toMatchObject({
      id: result.eventId,
      source: 'staff',
      storeId: 'shibuya',
      identity: { customerId: card.card.customerId },
      data: { cardId: card.card.id, staffId: 'sato', outcome: 'served', note: 'Loved the coat', actionId: 'vip-greet', decisionId: card.card.decisionId },
    })

    // Store B heard nothing of it all.
    expect(b.messages.map((m) => m.type)).toEqual(['hello', 'synced'])

    // The acknowledgement is on the profile too (profiles() applies every event).
    const profile = await hub.get(ProfileTokens.ProfileStore).get(card.card.customerId)
    expect(profile?.activity).toContainEqual(expect.objectContaining({ type: 'staff.acknowledged', storeId: 'shibuya' }))
  })

  it('records nothing twice when a device retries an acknowledgement with the same ackId', async () => {
    env = await startStaffHub()
    const acks: OmoEvent[] = []
    env.hub.hooks.on('event.processed', (ctx: PipelineContext) => void (ctx.event.type === 'staff.acknowledged' && acks.push(ctx.event)))
    const a = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
    clients.push(a)
    await env.hub.publish({ type: 'store.checked_in', source: 'pos', identity: { loyaltyId: 'L-2' }, storeId: 'shibuya' })
    const { card } = await a.waitFor('card')
    for (const requestId of ['1', '2']) a.send({ type: 'ack', cardId: card.id, outcome: 'dismissed', ackId: 'device-ack-1', requestId })
    await a.waitFor('ack.result', (m) => m.requestId === '2')
    await env.hub.drain()
    expect(acks).toHaveLength(1)
    expect(env.staff.feed.find(card.id)?.acks).toHaveLength(1)
    // Another staff member's device happening on the same ackId is recorded on its own.
    const other = await connectStaffClient(env.url, env.token('tanaka', ['shibuya']))
    clients.push(other)
    other.send({ type: 'ack', cardId: card.id, outcome: 'dismissed', ackId: 'device-ack-1', requestId: '3' })
    await other.waitFor('ack.result', (m) => m.requestId === '3')
    await env.hub.drain()
    expect(acks.map((e) => e.data['staffId'])).toEqual(['sato', 'tanaka'])
    expect(await env.hub.get(Tokens.DeadLetterStore).count()).toBe(0)
  })
})
