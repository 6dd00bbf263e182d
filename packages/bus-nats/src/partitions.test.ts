import { describe, expect, it } from 'vitest'
import { ownerOf, partitionOf } from './partitions.js'

describe('partitions', () => {
  it('maps a key to the same partition every time, spread over all partitions', () => {
    const counts = new Array<number>(16).fill(0)
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`customer-${i}`, 16)]!++
    expect(partitionOf('customer-1', 16)).toBe(partitionOf('customer-1', 16))
    for (const c of counts) expect(c).toBeGreaterThan(700)
  })

  it('moves only the partitions that must move when a worker joins (rendezvous hashing)', () => {
    const before = Array.from({ length: 64 }, (_, p) => ownerOf(p, ['w1', 'w2']))
    const after = Array.from({ length: 64 }, (_, p) => ownerOf(p, ['w1', 'w2', 'w3']))
    const moved = before.filter((owner, p) => owner !== after[p])
    expect(moved.length).toBeGreaterThan(0)
    // Every partition that moved went to the new worker; none moved between the old ones.
    expect(after.filter((owner, p) => owner !== before[p]).every((owner) => owner === 'w3')).toBe(true)
    expect(ownerOf(0, [])).toBeUndefined()
  })
})

describe('ownerOf', () => {
  it('shares partitions fairly between workers whose names differ by one character', () => {
    const owners = Array.from({ length: 64 }, (_, p) => ownerOf(p, ['worker-a', 'worker-b']))
    const a = owners.filter((o) => o === 'worker-a').length
    expect(a).toBeGreaterThan(16)
    expect(a).toBeLessThan(48)
    const four = new Set(Array.from({ length: 4 }, (_, p) => ownerOf(p, ['worker-a', 'worker-b'])))
    expect(four.size).toBe(2)
  })
})
