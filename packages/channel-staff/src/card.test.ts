import type { Profile } from '@omotenashi/profile'
import { describe, expect, it } from 'vitest'
import { buildCard } from './card.js'

const at = (d: string): string => `2026-03-${d}T00:00:00.000Z`

/** A hand-made VIP profile: a coat bought online last week, a scarf tried on, a survey answer. */
function vip(): Profile {
  return {
    id: 'c-1',
    version: 7,
    createdAt: at('01'),
    updatedAt: at('10'),
    identifiers: { loyaltyId: [{ value: 'L-1001', firstSeen: at('01'), lastSeen: at('10') }] },
    traits: { displayName: { value: 'Hanako Yamada', source: 'pos', at: at('01') }, tier: { value: 'platinum', source: 'crm', at: at('01') } },
    consent: {},
    reachability: {},
    interests: {
      COAT: { viewed: at('02'), purchased: at('03') },
      SCARF: { tried_on: at('05') },
      BAG: { tried_on: at('04'), purchased: at('06') },
    },
    answers: [
      { surveyId: 's', questionId: 'fit', question: 'How does it fit?', answer: 'a bit tight', at: at('07'), source: 'line' },
      { surveyId: 's', questionId: 'style', answer: ['minimal'], at: at('02'), source: 'web' },
    ],
    activity: [
      { type: 'product.viewed', at: at('02'), sku: 'COAT' },
      { type: 'order.placed', at: at('03'), value: 59000, sku: 'COAT' },
      { type: 'fitting_room.tried_on', at: at('05'), sku: 'SCARF', storeId: 'shibuya' },
      { type: 'store.checked_in', at: at('05'), storeId: 'shibuya' },
      { type: 'message.sent', at: at('06') },
      { type: 'consent.changed', at: at('06') },
      { type: 'decisioning.audience_matched', at: at('07') },
    ],
    mergedFrom: [],
  }
}

describe('buildCard', () => {
  const message = {
    actionId: 'vip-greet',
    decisionId: 'd-1',
    title: 'VIP arrived',
    text: 'Ask how the coat bought last week fits',
    storeId: 'shibuya',
    content: { staff: { avoid: 'The coat is on sale now', itemNames: { COAT: 'Wool coat' }, priority: 'high' } },
  }

  it('puts who, tier, history, tried-on items, answers and the suggested conversation on the card', () => {
    const card = buildCard({ id: 'card-1', customerId: 'c-1', message, profile: vip(), now: Date.parse(at('10')) })
    expect(card).toMatchObject({
      id: 'card-1',
      storeId: 'shibuya',
      customerId: 'c-1',
      createdAt: at('10'),
      actionId: 'vip-greet',
      decisionId: 'd-1',
      title: 'VIP arrived',
      priority: 'high',
      customer: { name: 'Hanako Yamada', tier: 'platinum', loyaltyId: 'L-1001', memberSince: at('01') },
      suggestion: 'Ask how the coat bought last week fits',
      avoid: ['The coat is on sale now'],
      profileMissing: false,
    })
    // Newest first, online and in-store apart, system events left out.
    expect(card.online).toEqual([
      { type: 'order.placed', at: at('03'), sku: 'COAT', name: 'Wool coat', value: 59000 },
      { type: 'product.viewed', at: at('02'), sku: 'COAT', name: 'Wool coat' },
    ])
    expect(card.offline.map((h) => h.type)).toEqual(['fitting_room.tried_on', 'store.checked_in'])
    expect(card.triedOn).toEqual([
      { sku: 'SCARF', at: at('05'), purchased: false },
      { sku: 'BAG', at: at('04'), purchased: true },
    ])
    expect(card.answers.map((a) => a.questionId)).toEqual(['fit', 'style'])
    expect(card.answers[0]).toEqual({ questionId: 'fit', question: 'How does it fit?', answer: 'a bit tight', at: at('07') })
  })

  it('respects the limits and the configured trait names', () => {
    const profile = vip()
    profile.traits['nickname'] = { value: 'Hana', source: 'app', at: at('01') }
    profile.traits['rank'] = { value: 'gold', source: 'crm', at: at('01') }
    const card = buildCard(
      { id: 'x', customerId: 'c-1', message, profile, now: 0 },
      { historyLimit: 1, triedOnLimit: 1, answersLimit: 0, nameTraits: ['nickname'], tierTrait: 'rank' },
    )
    expect(card.customer).toMatchObject({ name: 'Hana', tier: 'gold' })
    expect(card.online).toHaveLength(1)
    expect(card.offline).toHaveLength(1)
    expect(card.triedOn.map((t) => t.sku)).toEqual(['SCARF'])
    expect(card.answers).toEqual([])
  })

  it('makes a thin card when there is no profile, from what the message and recipient say', () => {
    const card = buildCard({
      id: 'x',
      customerId: 'c-9',
      message: { actionId: 'greet', text: 'Welcome', storeId: 'umeda', content: { staff: { avoid: ['a', 'b'] } } },
      identifiers: { loyaltyId: ['L-9'] },
      now: 0,
    })
    expect(card).toMatchObject({ profileMissing: true, customer: { loyaltyId: 'L-9' }, avoid: ['a', 'b'], online: [], offline: [], triedOn: [], answers: [], priority: 'normal' })
    expect(card.customer.name).toBeUndefined()
  })

  it('takes staff-specific title and text first, and a title alone as the suggestion', () => {
    const only = buildCard({ id: 'x', customerId: 'c', message: { actionId: 'a', title: 'Ask how the coat fits' }, now: 0 })
    expect(only.suggestion).toBe('Ask how the coat fits')
    expect(only.title).toBeUndefined()
    const staff = buildCard({
      id: 'x',
      customerId: 'c',
      message: { actionId: 'a', title: 'Coat sale', text: '20% off coats', content: { staff: { title: 'VIP', text: 'Ask about the fit' } } },
      now: 0,
    })
    expect(staff).toMatchObject({ title: 'VIP', suggestion: 'Ask about the fit' })
  })
})
