import { describe, expect, it } from 'vitest'
import { seededRandom } from './random.js'

describe('seededRandom', () => {
  it('gives the same sequence for a seed, a different one for another seed', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    const c = seededRandom(43)
    const first = Array.from({ length: 5 }, () => a())
    expect(Array.from({ length: 5 }, () => b())).toEqual(first)
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first)
  })

  it('is mulberry32 (recorded simulations and seeds stay valid)', () => {
    const random = seededRandom(1)
    expect(random()).toBeCloseTo(0.6270739405881613, 15)
    expect(random()).toBeCloseTo(0.002735721180215478, 15)
  })

  it('stays in [0, 1) and spreads evenly', () => {
    const random = seededRandom(7)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 10_000; i++) {
      const x = random()
      expect(x >= 0 && x < 1).toBe(true)
      buckets[Math.floor(x * 10)]!++
    }
    for (const n of buckets) expect(n).toBeGreaterThan(900)
  })
})
