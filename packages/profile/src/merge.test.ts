import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { insertActivity } from './merge.js'
import type { Activity } from './profile.js'

describe('insertActivity', () => {
  it('keeps the newest max facts in the order a full sort gives, whatever order they arrive in', () => {
    const fact = fc.record(
      {
        type: fc.constantFrom('page.viewed', 'pos.purchased'),
        at: fc.integer({ min: 0, max: 20 }).map((s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()),
        value: fc.integer({ min: 0, max: 3 }),
        sku: fc.constantFrom('A', 'B'),
      },
      { requiredKeys: ['type', 'at'] },
    )
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (facts: Activity[], max) => {
        const kept: Activity[] = []
        for (const f of facts) insertActivity(kept, f, max)
        // The reference: every fact sorted by time, then type, value and SKU (a missing value first), newest max kept.
        const key = (a: Activity): string => `${a.at}|${a.type}|${a.value === undefined ? ' ' : a.value}|${a.sku ?? ''}`
        const all = [...facts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
        expect(kept.map(key)).toEqual(all.slice(Math.max(0, all.length - max)).map(key))
      }),
    )
  })
})
