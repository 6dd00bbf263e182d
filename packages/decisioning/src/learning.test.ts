import { Tokens } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { unitHash } from './hashing.js'
import { DecisioningTokens } from './tokens.js'
import { storyCustomer, storyHub } from './test-support.js'

const rules = [{ id: 'r', when: { event: 'product.viewed' }, do: { action: 'promo', item: { ref: 'data.sku' } } }]

describe('learning from outcomes', () => {
  it('counts a click once per exposure, and a purchase of the promoted item for treatment and holdout apart', async () => {
    const { hub, clock, channels } = await storyHub({ rules, actions: [{ id: 'promo', channels: ['push'], holdout: 0.5 }], policies: { moment: '1m' } })
    const model = hub.get(DecisioningTokens.ResponseModel)
    const treated: Array<{ loyaltyId: string }> = []
    const held: Array<{ loyaltyId: string }> = []
    for (let i = 0; treated.length < 2 || held.length < 2; i++) {
      const who = await storyCustomer(hub, `L${i}`, { push: true })
      const id = (await hub.get(Tokens.IdentityResolver).resolve(who, { create: false }))!
      ;(unitHash(`${id}\u0000promo`) < 0.5 ? held : treated).push(who)
    }
    for (const who of [...treated, ...held]) await hub.publish({ type: 'product.viewed', source: 'web', identity: who, data: { sku: 'bag' } })
    await hub.drain()
    expect(model.stats('promo')).toMatchObject({ trials: treated.length, holdoutTrials: held.length, successes: 0 })
    const sent = channels.push.sent[0]!
    const clickedBy = { customerId: sent.recipient.customerId }
    for (let i = 0; i < 2; i++) {
      await hub.publish({ type: 'message.clicked', source: 'push', identity: clickedBy, data: { channel: 'push', actionId: 'promo', decisionId: sent.message.decisionId } })
    }
    await hub.drain()
    expect(model.stats('promo').successes).toBe(1)
    await clock.advance(3_600_000)
    const buy = (who: { loyaltyId: string }, sku: string) => hub.publish({ type: 'pos.purchased', source: 'pos', identity: who, storeId: 's', data: { transactionId: `t-${who.loyaltyId}-${sku}`, items: [{ sku, quantity: 1, unitPrice: 1 }], total: 1, currency: 'JPY' } })
    await buy(treated[1]!, 'bag')
    await buy(held[0]!, 'bag')
    await buy(held[1]!, 'shoes') // not the promoted item: no success
    await hub.drain()
    expect(model.stats('promo')).toMatchObject({ successes: 2, holdoutSuccesses: 1 })
    expect(model.uplift('promo')).toBeCloseTo(2 / treated.length - 1 / held.length, 5)
    await hub.stop()
  })

  it('an adopter Scorer supplies the propensity', async () => {
    const { hub } = await storyHub({
      rules: [{ id: 'p', when: { placement: 'web.home_hero' }, do: { actions: ['a', 'b'] } }],
      actions: [{ id: 'a', value: 1 }, { id: 'b', value: 1 }],
      scorer: { score: ({ actionId, profile }) => (actionId === 'b' && profile?.traits['tier']?.value === 'gold' ? 0.9 : 0.1) },
    })
    const gold = await storyCustomer(hub, 'G', { traits: { tier: 'gold' } })
    const basic = await storyCustomer(hub, 'B', { traits: { tier: 'basic' } })
    const top = async (who: { loyaltyId: string }) => (await hub.decide({ identity: who, placement: 'web.home_hero' })).actions.map((x) => [x.actionId, x.score])
    expect(await top(gold)).toEqual([['b', 0.9]])
    expect(await top(basic)).toEqual([['a', 0.1]]) // a tie broken by action id
    await hub.stop()
  })

  it("reads the profile package's computed traits as profile.computed.<name>", async () => {
    const { profiles } = await import('@omotenashi/profile')
    const { VirtualClock, createHub, recordingChannel, RecordingChannel } = await import('@omotenashi/core')
    const { decisioning } = await import('./module.js')
    const clock = new VirtualClock('2026-03-02T01:00:00Z')
    const inbox = new RecordingChannel({ id: 'inbox' })
    const hub = await createHub({
      clock,
      modules: [
        profiles({ computedTraits: [{ name: 'views_7d', aggregate: 'count', events: ['product.viewed'], window: '7d' }] }),
        decisioning({ rules: [{ id: 'keen', when: { event: 'product.viewed', if: { 'profile.computed.views_7d': { gte: 3 } } }, do: { action: 'help' } }], actions: [{ id: 'help', channels: ['inbox'] }], policies: { moment: '1m' } }),
        recordingChannel(inbox),
      ],
    })
    await hub.start()
    const identity = { loyaltyId: 'V' }
    await hub.publish({ type: 'consent.changed', source: 'app', identity, data: { channel: 'inbox', granted: true } })
    for (let i = 0; i < 3; i++) await hub.publish({ type: 'product.viewed', source: 'web', identity, data: { sku: `s${i}` } })
    await hub.drain()
    expect(inbox.sent).toHaveLength(1)
    await hub.stop()
  })
})
