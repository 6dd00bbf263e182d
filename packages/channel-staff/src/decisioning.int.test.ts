// The VIP clienteling story with the real decisioning package deciding: no test decide stage.
import { createHub, Tokens, VirtualClock, type Hub } from '@omotenashi/core'
import { decisioning, parseRules, type ActionSpec } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { afterEach, describe, expect, it } from 'vitest'
import { serveRoutes, type RouteServer } from './http/serve-routes.js'
import { staffChannel, StaffTokens } from './staff-module.js'
import { TEST_API_KEY, TEST_SECRET } from './test-fixtures.js'
import { connectStaffClient, type StaffTestClient } from './testing/index.js'

const actions: ActionSpec[] = [
  {
    id: 'vip-card-coat-sale',
    kind: 'staff',
    channels: ['staff'],
    priority: 1,
    value: 1.5,
    item: 'coat-1',
    insteadIfBought: 'vip-card-ask-fit',
    content: { default: { title: 'Suggest: the coat is on sale' } },
  },
  { id: 'offer-card-loan', value: 1, placements: ['callcenter.agent'], content: { default: { title: 'Offer the card loan', text: 'They read the card-loan pages this week' } } },
  { id: 'offer-savings', value: 0.3, placements: ['callcenter.agent'], content: { default: { title: 'Offer the savings plan' } } },
  {
    id: 'vip-card-ask-fit',
    kind: 'staff',
    channels: ['staff'],
    value: 1.5,
    content: { default: { title: 'Ask how the coat bought last week fits' }, staff: { extra: { avoid: 'Do not mention the coat sale', priority: 'high' } } },
  },
]

const rules = parseRules(`
version: 1
segments:
  vip: { profile.traits.tier: { in: [gold, platinum] } }
rules:
  - id: vip-clienteling
    when: { event: store.checked_in, if: { segment: vip } }
    do: { action: vip-card-coat-sale }
  - id: callcenter-nba
    when: { placement: callcenter.agent }
    do: { actions: [offer-card-loan, offer-savings] }
`)

describe('VIP clienteling decided by @omotenashi/decisioning', () => {
  let hub: Hub | undefined
  let server: RouteServer | undefined
  const clients: StaffTestClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await hub?.stop()
    await server?.close()
    hub = server = undefined
  })

  it('a VIP who bought the coat checks in: store A staff are told to ask how it fits, store B sees nothing', async () => {
    // 10:00 in Tokyo, outside any quiet hours.
    const clock = new VirtualClock('2026-03-02T01:00:00Z')
    hub = await createHub({
      clock,
      modules: [profiles(), decisioning({ rules, actions, policies: { boughtWithin: '30d' } }), staffChannel({ stores: ['shibuya', 'umeda'], secret: TEST_SECRET })],
    })
    await hub.start()
    server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute))
    const staff = hub.get(StaffTokens.Staff)
    const a = await connectStaffClient(server.url, staff.issueToken({ staffId: 'sato', storeIds: ['shibuya'] }))
    const b = await connectStaffClient(server.url, staff.issueToken({ staffId: 'kato', storeIds: ['umeda'] }))
    clients.push(a, b)

    const vip = { loyaltyId: 'L-1001' }
    await hub.publish({ type: 'profile.traits_updated', source: 'pos', identity: vip, time: '2026-02-01T00:00:00Z', data: { traits: { tier: 'gold', displayName: 'Hanako Yamada', timeZone: 'Asia/Tokyo' } } })
    await hub.publish({
      type: 'pos.purchased', source: 'pos', identity: vip, storeId: 'umeda', time: '2026-02-25T03:00:00Z',
      data: { transactionId: 't-1', items: [{ sku: 'coat-1', quantity: 1, unitPrice: 59000 }], total: 59000, currency: 'JPY' },
    })
    await hub.drain()
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: vip, storeId: 'shibuya', data: { method: 'beacon' } })

    const { card } = await a.waitFor('card', undefined, 1_000)
    expect(card).toMatchObject({
      storeId: 'shibuya',
      actionId: 'vip-card-ask-fit',
      suggestion: 'Ask how the coat bought last week fits',
      avoid: ['Do not mention the coat sale'],
      priority: 'high',
      customer: { name: 'Hanako Yamada', tier: 'gold', loyaltyId: 'L-1001' },
      offline: [expect.objectContaining({ type: 'store.checked_in' }), expect.objectContaining({ type: 'pos.purchased', storeId: 'umeda' })],
    })
    expect(card.decisionId).toBeDefined()

    a.send({ type: 'ack', cardId: card.id, outcome: 'served', requestId: 'r' })
    expect(await a.waitFor('ack.result')).toMatchObject({ ok: true })
    await hub.drain()
    const profile = await hub.get(Tokens.IdentityResolver).resolve(vip, { create: false })
    const log = await hub.get(Tokens.DecisionLog).list(profile!)
    expect(log[0]?.candidates.find((c) => c.actionId === 'vip-card-coat-sale')).toMatchObject({ status: 'blocked' })
    expect(b.messages.filter((m) => m.type === 'card')).toEqual([])
  })

  it("call centre: the agent card shows the decider's best offer with its reason, and the agent's outcomes change it", async () => {
    hub = await createHub({
      clock: new VirtualClock('2026-03-02T01:00:00Z'),
      modules: [profiles(), decisioning({ rules, actions, learning: { seed: 7 } }), staffChannel({ stores: ['shibuya'], secret: TEST_SECRET })],
    })
    await hub.start()
    server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute), { authorize: (request) => request.headers['x-api-key'] === TEST_API_KEY })
    const caller = { loyaltyId: 'K-1', phone: '+81312345678' }
    await hub.publish({ type: 'profile.traits_updated', source: 'system', identity: caller, data: { traits: { displayName: 'Ichiro Suzuki', timeZone: 'Asia/Tokyo' } } })
    await hub.publish({ type: 'product.viewed', source: 'web', identity: caller, data: { sku: 'card-loan' } })
    await hub.drain()
    type Answer = { card: { customerId: string; actionId: string; decisionId?: string; suggestion?: string; customer: { name?: string } }; decision: { id: string; actions: Array<{ actionId: string; reasons: string[] }> } }
    const ask = async (): Promise<Answer> => {
      const response = await fetch(`${server!.url}/staff/agent/card?phone=03-1234-5678`, { headers: { 'x-api-key': TEST_API_KEY } })
      expect(response.status).toBe(200)
      return (await response.json()) as Answer
    }
    const first = await ask()
    expect(first.card.customer.name).toBe('Ichiro Suzuki')
    expect(first.card.decisionId).toBe(first.decision.id)
    expect(first.decision.actions[0]?.reasons.join(' ')).toMatch(/callcenter-nba/)
    expect(['offer-card-loan', 'offer-savings']).toContain(first.card.actionId)

    // Every loan offer is declined, every savings offer accepted, through the agent's outcome route.
    for (let i = 0; i < 30; i++) {
      const answer = await ask()
      const response = answer.card.actionId === 'offer-savings' ? 'accepted' : 'declined'
      const posted = await fetch(`${server.url}/staff/agent/outcome`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: JSON.stringify({ customerId: answer.card.customerId, actionId: answer.card.actionId, decisionId: answer.decision.id, response, agentId: 'agent-7' }),
      })
      expect(posted.status).toBe(202)
      await hub.drain()
    }
    let savings = 0
    for (let i = 0; i < 10; i++) if ((await ask()).card.actionId === 'offer-savings') savings++
    expect(savings).toBeGreaterThanOrEqual(8)
  })
})
