import { describe, expect, it } from 'vitest'
import { fnv1a, mix32 } from './hash.js'

describe('fnv1a', () => {
  it('is FNV-1a 32-bit (stored partitions and holdouts stay where they are)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
  })
})

describe('mix32', () => {
  it('is murmur3 fmix32: zero stays zero, nearby inputs land far apart, output is unsigned', () => {
    expect(mix32(0)).toBe(0)
    const a = mix32(fnv1a('c-1'))
    const b = mix32(fnv1a('c-2'))
    expect(a).toBeGreaterThanOrEqual(0)
    expect(Math.abs(a - b)).toBeGreaterThan(2 ** 20)
    expect(mix32(1)).toBe(0x514e28b7)
  })
})
