import { describe, expect, it } from 'vitest'
import { diffSnapshots, itemKey, type Snapshot } from './index.js'

const opts = { source: 'erp', lowStockThreshold: 3, currency: 'JPY', idPrefix: 'snap-2', time: '2026-05-01T00:00:00Z' }
const snap = (entries: Array<[string, string | undefined, { price?: number; quantity?: number }]>): Snapshot => new Map(entries.map(([sku, store, s]) => [itemKey(sku, store), { ...s }]))

describe('diffSnapshots', () => {
  it('publishes nothing for the first snapshot (the baseline)', () => {
    const result = diffSnapshots(undefined, snap([['A', 'shibuya', { quantity: 5, price: 100 }]]), opts)
    expect(result.events).toEqual([])
    expect(result.changed).toEqual([itemKey('A', 'shibuya')])
  })

  it('publishes only what changed, with low stock and back in stock on threshold crossings', () => {
    const before = snap([
      ['SAME', 'shibuya', { quantity: 5, price: 100 }],
      ['PRICE', undefined, { price: 12000 }],
      ['LOW', 'shibuya', { quantity: 10 }],
      ['OUT', 'umeda', { quantity: 0 }],
      ['DRIP', 'umeda', { quantity: 3 }],
      ['GONE', 'umeda', { quantity: 4 }],
    ])
    const after = snap([
      ['SAME', 'shibuya', { quantity: 5, price: 100 }],
      ['PRICE', undefined, { price: 9800 }],
      ['LOW', 'shibuya', { quantity: 2 }],
      ['OUT', 'umeda', { quantity: 6 }],
      ['DRIP', 'umeda', { quantity: 2 }],
      ['NEW', 'umeda', { quantity: 1 }],
    ])
    const { events } = diffSnapshots(before, after, opts)
    expect(events.map((e) => [e.type, e.subject, e.storeId, e.data])).toEqual([
      ['catalog.price_changed', 'PRICE', undefined, { sku: 'PRICE', oldPrice: 12000, newPrice: 9800, currency: 'JPY' }],
      ['inventory.stock_changed', 'LOW', 'shibuya', { sku: 'LOW', quantity: 2, previousQuantity: 10 }],
      ['inventory.low_stock', 'LOW', 'shibuya', { sku: 'LOW', quantity: 2, threshold: 3 }],
      ['inventory.stock_changed', 'OUT', 'umeda', { sku: 'OUT', quantity: 6, previousQuantity: 0 }],
      ['inventory.back_in_stock', 'OUT', 'umeda', { sku: 'OUT', quantity: 6 }],
      // already at the threshold: a change, but not a new "low stock" moment
      ['inventory.stock_changed', 'DRIP', 'umeda', { sku: 'DRIP', quantity: 2, previousQuantity: 3 }],
      ['inventory.stock_changed', 'NEW', 'umeda', { sku: 'NEW', quantity: 1 }],
    ])
    expect(events.every((e) => e.time === opts.time && e.source === 'erp')).toBe(true)
    // Items missing from the new snapshot keep their state for the next diff.
    expect(after.get(itemKey('GONE', 'umeda'))).toEqual({ quantity: 4 })
  })

  it('keeps fields a partial snapshot lacks (a stock-only file after a price file)', () => {
    const before = snap([['A', undefined, { price: 100, quantity: 5 }]])
    const after = snap([['A', undefined, { quantity: 4 }]])
    const { events } = diffSnapshots(before, after, opts)
    expect(events.map((e) => e.type)).toEqual(['inventory.stock_changed'])
    expect(after.get(itemKey('A', undefined))).toEqual({ price: 100, quantity: 4 })
  })

  it('gives a change the same id when the same snapshot is diffed again, a different one for a later snapshot', () => {
    const a = diffSnapshots(snap([['A', undefined, { price: 1 }]]), snap([['A', undefined, { price: 2 }]]), opts).events[0]!.id
    const b = diffSnapshots(snap([['A', undefined, { price: 1 }]]), snap([['A', undefined, { price: 2 }]]), opts).events[0]!.id
    const c = diffSnapshots(snap([['A', undefined, { price: 1 }]]), snap([['A', undefined, { price: 2 }]]), { ...opts, idPrefix: 'snap-9' }).events[0]!.id
    expect(a).toBe(b)
    expect(c).not.toBe(a)
  })
})
