import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { computeTraits, defineComputedTraits } from './computed-traits.js'
import type { Activity } from './profile.js'

const day = 86_400_000
const now = Date.parse('2026-06-30T12:00:00Z')
const ago = (days: number) => new Date(now - days * day).toISOString()
const activity: Activity[] = [
  { type: 'pos.purchased', at: ago(200), value: 90000, storeId: 'ginza' },
  { type: 'store.checked_in', at: ago(40), storeId: 'umeda' },
  { type: 'pos.purchased', at: ago(30), value: 12000, storeId: 'umeda' },
  { type: 'order.placed', at: ago(10), value: 8000 },
  { type: 'store.checked_in', at: ago(2), storeId: 'shibuya' },
  { type: 'product.viewed', at: ago(1), sku: 'COAT-1' },
]

describe('computeTraits', () => {
  it('evaluates windowed aggregates against now', () => {
    const definitions = defineComputedTraits([
      { name: 'purchases_90d', aggregate: 'count', events: ['pos.purchased', 'order.placed'], window: '90d' },
      { name: 'purchases_all', aggregate: 'count', events: ['pos.purchased', 'order.placed'] },
      { name: 'spend_90d', aggregate: 'sum', events: ['pos.purchased', 'order.placed'], window: '90d' },
      { name: 'avgBasket', aggregate: 'avg', events: ['pos.purchased', 'order.placed'], window: '90d' },
      { name: 'biggest', aggregate: 'max', events: ['pos.purchased', 'order.placed'] },
      { name: 'smallest_90d', aggregate: 'min', events: ['pos.purchased', 'order.placed'], window: '90d' },
      { name: 'lastStoreVisitAt', aggregate: 'last', events: ['store.checked_in'] },
      { name: 'lastStore', aggregate: 'last', events: ['store.checked_in'], field: 'storeId' },
      { name: 'firstPurchaseAt', aggregate: 'first', events: ['pos.purchased', 'order.placed'] },
      { name: 'storesVisited_90d', aggregate: 'distinct', events: ['store.checked_in', 'pos.purchased'], window: '90d' },
      { name: 'views_24h', aggregate: 'count', events: ['product.viewed'], window: '24h' },
      { name: 'returns_90d', aggregate: 'sum', events: ['pos.returned'], window: '90d' },
      { name: 'lastReturnAt', aggregate: 'last', events: ['pos.returned'] },
    ])
    expect(computeTraits({ activity }, definitions, now)).toEqual({
      purchases_90d: 2,
      purchases_all: 3,
      spend_90d: 20000,
      avgBasket: 10000,
      biggest: 90000,
      smallest_90d: 8000,
      lastStoreVisitAt: ago(2),
      lastStore: 'shibuya',
      firstPurchaseAt: ago(200),
      storesVisited_90d: 2,
      views_24h: 1,
      returns_90d: 0,
      lastReturnAt: undefined,
    })
    // Read later, the same definitions give different answers: the window moves with now.
    expect(computeTraits({ activity }, definitions.slice(0, 1), now + 65 * day)).toEqual({ purchases_90d: 1 })
  })

  it('refuses bad definitions, naming the field', () => {
    const paths = (defs: unknown[]) => {
      try {
        defineComputedTraits(defs)
        return []
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError)
        return (e as ValidationError).issues.map((i) => i.path)
      }
    }
    expect(paths([{ name: 'x', aggregate: 'count', events: [], window: '90d' }])).toEqual(['0.events'])
    expect(paths([{ name: 'x', aggregate: 'sum', events: ['a.b'], field: 'storeId' }])).toEqual(['0.field'])
    expect(paths([{ name: 'x', aggregate: 'count', events: ['a.b'] }, { name: 'x', aggregate: 'count', events: ['a.b'] }])).toEqual(['1.name'])
    expect(paths([{ name: '9x', aggregate: 'count', events: ['a.b'], window: '3 months' }]).sort()).toEqual(['0.name', '0.window'])
  })
})
