import type { OmoEvent } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { createProfile } from './merge.js'
import { ProfileRules } from './profile-rules.js'
import { activityOf, applyEvent, applyEventOnce, identifierChanges } from './reducer.js'

const rules = new ProfileRules({ maxActivity: 3, kinds: { deviceToken: { maxPerProfile: 2 } } })
const t = (m: number) => new Date(Date.parse('2026-04-01T00:00:00Z') + m * 60_000).toISOString()
let n = 0
const ev = (type: string, data: Record<string, unknown>, time: string, extra: Partial<OmoEvent> = {}): OmoEvent => ({
  id: `e${++n}`,
  type,
  source: 'pos',
  time,
  identity: {},
  data,
  ...extra,
})

describe('applyEvent', () => {
  it('is pure: returns a new profile and leaves the input alone', () => {
    const before = createProfile('c1', t(0), rules)
    const frozen = structuredClone(before)
    const after = applyEvent(before, ev('fitting_room.tried_on', { sku: 'X' }, t(1), { storeId: 's' }), rules)
    expect(before).toEqual(frozen)
    expect(after.version).toBe(2)
    expect(after.interests).toEqual({ X: { tried_on: t(1) } })
    expect(after.updatedAt).toBe(t(1))
  })

  it('records interests per SKU for every item of purchases, orders and returns, keeping the latest time', () => {
    let p = createProfile('c1', t(0), rules)
    const items = [
      { sku: 'A', quantity: 1, unitPrice: 10 },
      { sku: 'B', quantity: 2, unitPrice: 5 },
    ]
    p = applyEvent(p, ev('pos.purchased', { transactionId: 't', items, total: 20, currency: 'JPY' }, t(5), { storeId: 's' }), rules)
    p = applyEvent(p, ev('order.placed', { orderId: 'o', items: [items[0]], total: 10, currency: 'JPY' }, t(3)), rules)
    p = applyEvent(p, ev('pos.returned', { transactionId: 'r', items: [items[1]], total: 10, currency: 'JPY' }, t(6), { storeId: 's' }), rules)
    p = applyEvent(p, ev('product.viewed', { sku: 'C' }, t(7)), rules)
    p = applyEvent(p, ev('cart.item_added', { sku: 'C', quantity: 2, price: 300 }, t(8)), rules)
    expect(p.interests).toEqual({ A: { purchased: t(5) }, B: { purchased: t(5), returned: t(6) }, C: { viewed: t(7), carted: t(8) } })
    // Activity is bounded (maxActivity 3 here), in time order, newest kept.
    expect(p.activity.map((a) => a.type)).toEqual(['pos.returned', 'product.viewed', 'cart.item_added'])
    expect(p.activity[2]).toEqual({ type: 'cart.item_added', at: t(8), value: 600, sku: 'C' })
  })

  it('keeps the newest consent, reachability and traits when events arrive out of order', () => {
    let p = createProfile('c1', t(0), rules)
    p = applyEvent(p, ev('consent.changed', { channel: 'email', granted: true }, t(10)), rules)
    p = applyEvent(p, ev('consent.changed', { channel: 'email', granted: false }, t(5)), rules)
    p = applyEvent(p, ev('profile.traits_updated', { traits: { tier: 'gold', timeZone: 'Asia/Tokyo', locale: 'ja-JP' } }, t(10)), rules)
    p = applyEvent(p, ev('profile.traits_updated', { traits: { tier: 'silver', timeZone: 'Nowhere/Atlantis' } }, t(4)), rules)
    p = applyEvent(p, ev('profile.traits_updated', { traits: { timeZone: 'Nowhere/Atlantis' } }, t(12)), rules)
    expect(p.consent['email']?.['*']).toEqual({ granted: true, source: 'pos', at: t(10) })
    expect(p.traits['tier']?.value).toBe('gold')
    // An invalid zone is kept as a trait but never becomes the profile's time zone.
    expect(p.timeZone).toBe('Asia/Tokyo')
    expect(p.traits['timeZone']?.value).toBe('Nowhere/Atlantis')
    expect(p.locale).toBe('ja-JP')
  })

  it('adds push tokens under the per-profile limit and marks push unreachable once the last is revoked', () => {
    let p = createProfile('c1', t(0), rules)
    for (const [i, token] of ['a', 'b', 'c'].entries()) p = applyEvent(p, ev('push.token_registered', { token, platform: 'ios' }, t(i + 1)), rules)
    expect(p.identifiers['deviceToken']?.map((r) => r.value)).toEqual(['c', 'b'])
    const before = p
    p = applyEvent(p, ev('push.token_revoked', { token: 'c' }, t(5)), rules)
    expect(p.reachability['push']?.reachable).toBe(true)
    p = applyEvent(p, ev('push.token_revoked', { token: 'b', reason: 'uninstalled' }, t(6)), rules)
    expect(p.reachability['push']).toEqual({ reachable: false, reason: 'uninstalled', at: t(6) })
    expect(identifierChanges(before, p)).toEqual({ added: [], removed: ['deviceToken:c', 'deviceToken:b'] })
  })

  it('ignores malformed payloads instead of corrupting the profile', () => {
    const p = createProfile('c1', t(0), rules)
    const after = applyEvent(p, ev('consent.changed', { channel: 42, granted: 'yes' }, t(1)), rules)
    const after2 = applyEvent(after, ev('survey.answered', { surveyId: 's', questionId: 'q', answer: { nested: true } }, t(2)), rules)
    expect(after2.consent).toEqual({})
    expect(after2.answers).toEqual([])
    expect(after2.activity).toHaveLength(2)
  })

  it('activityOf keeps what aggregates need', () => {
    expect(activityOf(ev('store.checked_in', {}, t(1), { storeId: 'shibuya' }))).toEqual({ type: 'store.checked_in', at: t(1), storeId: 'shibuya' })
    expect(activityOf(ev('pos.purchased', { total: 1200, items: [{ sku: 'A' }, { sku: 'B' }] }, t(1)))).toEqual({ type: 'pos.purchased', at: t(1), value: 1200 })
  })
})

describe('applyEventOnce', () => {
  it('applies an event id once, remembering a bounded number of ids', () => {
    const small = new ProfileRules({ maxAppliedEventIds: 2 })
    let p = createProfile('c1', t(0), small)
    const events = [1, 2, 3].map((i) => ev('page.viewed', {}, t(i)))
    for (const e of events) p = applyEventOnce(p, e, small).profile
    expect(applyEventOnce(p, events[2]!, small).applied).toBe(false)
    expect(p.appliedEventIds).toEqual([events[1]!.id, events[2]!.id])
    expect(p.version).toBe(4)
  })
})
