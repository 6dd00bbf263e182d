import { describe, expect, it } from 'vitest'
import { BoundedSet } from './bounded-set.js'

describe('BoundedSet', () => {
  it('forgets the oldest key when full', () => {
    const set = new BoundedSet(2)
    set.add('a')
    set.add('b')
    set.add('c')
    expect(set.has('a')).toBe(false)
    expect(set.has('b')).toBe(true)
    expect(set.has('c')).toBe(true)
    expect(set.size).toBe(2)
  })

  it('does not refresh or duplicate a key added again', () => {
    const set = new BoundedSet(2)
    set.add('a')
    set.add('b')
    set.add('a')
    expect(set.size).toBe(2)
    set.add('c')
    expect(set.has('a')).toBe(false)
    expect(set.has('b')).toBe(true)
  })

  it('refuses a capacity below one', () => {
    expect(() => new BoundedSet(0)).toThrow(/capacity must be at least 1/)
    expect(() => new BoundedSet(Number.NaN)).toThrow(RangeError)
  })
})
