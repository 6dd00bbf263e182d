import * as z from 'zod'
import { describe, expect, it } from 'vitest'
import { ErrorCode, OmotenashiError, ValidationError } from '../errors.js'
import { EventCatalog } from './event-catalog.js'
import { STANDARD_EVENTS } from './standard-events.js'

const ctx = { now: () => '2026-05-01T09:00:00.000Z', newId: () => 'generated-id' }

describe('EventCatalog', () => {
  it('normalises a valid event: id, time, identity and data filled in', () => {
    const event = new EventCatalog().parse(
      { type: 'fitting_room.tried_on', source: 'pos', identity: { loyaltyId: 'L-1' }, storeId: 'shibuya', data: { sku: 'COAT-1', extra: 'kept' } },
      ctx,
    )
    expect(event).toEqual({
      id: 'generated-id',
      type: 'fitting_room.tried_on',
      source: 'pos',
      time: '2026-05-01T09:00:00.000Z',
      identity: { loyaltyId: 'L-1' },
      storeId: 'shibuya',
      data: { sku: 'COAT-1', extra: 'kept' },
    })
  })

  it('converts a time with an offset to UTC', () => {
    const event = new EventCatalog().parse({ type: 'page.viewed', source: 'web', time: '2026-05-01T18:00:00+09:00', identity: { anonymousId: 'a' } }, ctx)
    expect(event.time).toBe('2026-05-01T09:00:00.000Z')
  })

  it('lists every problem at once, with paths', () => {
    const result = new EventCatalog().safeParse(
      { type: 'pos.purchased', source: 'pos', identity: { email: '' }, data: { transactionId: 'T1', items: [{ sku: 'A', quantity: -1, unitPrice: 100 }], total: 100, currency: 'yen' } },
      ctx,
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues.map((i) => i.path).sort()).toEqual(['data.currency', 'data.items.0.quantity', 'identity.email'])
  })

  it('refuses an unknown type unless told to accept it', () => {
    expect(() => new EventCatalog().parse({ type: 'kiosk.tapped', source: 'iot', identity: { anonymousId: 'a' } }, ctx)).toThrow(ValidationError)
    try {
      new EventCatalog().parse({ type: 'kiosk.tapped', source: 'iot' }, ctx)
    } catch (error) {
      expect((error as ValidationError).code).toBe(ErrorCode.UnknownEventType)
      expect((error as ValidationError).issues[0]?.path).toBe('type')
    }
    const lenient = new EventCatalog({ acceptUnknownTypes: true })
    expect(lenient.parse({ type: 'kiosk.tapped', source: 'iot', data: { any: 1 } }, ctx).data).toEqual({ any: 1 })
  })

  it('registers custom types with their own schema, and refuses to replace one', () => {
    const catalog = new EventCatalog().register('kiosk.tapped', { needsStore: true, data: z.object({ screen: z.string() }) })
    expect(catalog.parse({ type: 'kiosk.tapped', source: 'kiosk', storeId: 's1', data: { screen: 'home' } }, ctx).data).toEqual({ screen: 'home' })
    const bad = catalog.safeParse({ type: 'kiosk.tapped', source: 'kiosk', data: {} }, ctx)
    expect(bad.ok ? [] : bad.issues.map((i) => i.path).sort()).toEqual(['data.screen', 'storeId'])
    expect(() => catalog.register('kiosk.tapped', { data: z.object({}) })).toThrow(OmotenashiError)
    expect(() => catalog.register('NotDotted', { data: z.object({}) })).toThrow(/dotted/)
  })

  it('knows the whole standard OMO catalogue', () => {
    const types = new EventCatalog().types()
    for (const t of ['store.checked_in', 'geofence.entered', 'beacon.sighted', 'fitting_room.tried_on', 'pos.purchased', 'pos.returned', 'page.viewed', 'product.viewed', 'cart.item_added', 'cart.abandoned', 'order.placed', 'order.ready_for_pickup', 'order.picked_up', 'coupon.issued', 'coupon.redeemed', 'catalog.price_changed', 'inventory.stock_changed', 'line.followed', 'line.unfollowed', 'line.message_received', 'line.postback_received', 'survey.answered', 'message.delivered', 'message.opened', 'message.clicked', 'message.failed', 'staff.acknowledged', 'call.started']) {
      expect(types).toContain(t)
    }
    expect(types).toHaveLength(Object.keys(STANDARD_EVENTS).length)
  })

  it('rejects custom identifier kinds with bad names', () => {
    const result = new EventCatalog().safeParse({ type: 'page.viewed', source: 'web', identity: { 'bad kind': 'x' } }, ctx)
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(['identity.bad kind'])
  })
})
