import { describe, expect, it } from 'vitest'
import { SeenIds } from './seen-ids.js'

describe('SeenIds', () => {
  it('stays bounded: the oldest ids go first, and expired ids are forgotten', () => {
    let now = 0
    const seen = new SeenIds({ maxEntries: 3, ttlMs: 1000, now: () => now })
    for (const id of ['a', 'b', 'c', 'd']) seen.add(id)
    expect(seen.size).toBe(3)
    expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([false, true, true, true])
    now = 1500
    expect(seen.has('d')).toBe(false)
    seen.add('e')
    expect(seen.size).toBe(1)
  })
})
