import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalMillis, elapsedMs } from './instants.js'

describe('elapsedMs', () => {
  it('equals the difference of the parsed instants, for canonical strings and offsets alike', () => {
    const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    fc.assert(
      fc.property(instant, fc.integer({ min: -7_200_000, max: 7_200_000 }), (from, delta) => {
        const a = from.toISOString()
        const b = new Date(from.getTime() + delta).toISOString()
        expect(elapsedMs(a, b)).toBe(delta)
        expect(elapsedMs(b, a) + delta).toBe(0)
      }),
    )
    expect(elapsedMs('2026-03-01T09:00:00.000Z', '2026-03-01T18:30:00.500+09:00')).toBe(30 * 60_000 + 500)
    expect(elapsedMs('2026-03-01T09:59:59.999Z', '2026-03-01T10:00:00.000Z')).toBe(1)
  })
})

describe('canonicalMillis', () => {
  it('reads exactly the strings toISOString writes, and nothing else', () => {
    const instant = fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
    fc.assert(fc.property(instant, (d) => void expect(canonicalMillis(d.toISOString())).toBe(d.getTime())))
    for (const bad of ['2026-02-29T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-01-01 00:00:00.000Z', '2026-01-01T00:00:00.000+', '0999-01-01T00:00:00.000Z', '2026-01-01T00:00:0a.000Z']) {
      expect(canonicalMillis(bad), bad).toBeUndefined()
    }
    expect(canonicalMillis('2024-02-29T12:00:00.000Z')).toBe(Date.parse('2024-02-29T12:00:00.000Z'))
  })
})
