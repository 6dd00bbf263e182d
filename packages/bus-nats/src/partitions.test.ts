import { describe, expect, it } from 'vitest'
import { assignPartitions, partitionOf } from './partitions.js'

describe('partitions', () => {
  it('keeps every key in the same partition from release to release (a stream outlives the code)', () => {
    expect(['customer-1', 'c42', 'L-1234'].map((k) => partitionOf(k, 32))).toEqual([23, 0, 22])
  })

  it('maps a key to the same partition every time, spread over all partitions', () => {
    const counts = new Array<number>(16).fill(0)
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`customer-${i}`, 16)]!++
    expect(partitionOf('customer-1', 16)).toBe(partitionOf('customer-1', 16))
    for (const c of counts) expect(c).toBeGreaterThan(700)
  })
})

describe('assignPartitions', () => {
  it('gives every worker an even share (within one partition), the same in every worker', () => {
    for (const members of [['w1'], ['w0', 'w1'], ['a', 'b', 'c'], ['host-1-aa', 'host-2-bb', 'host-3-cc', 'host-4-dd', 'host-5-ee']]) {
      for (const count of [1, 7, 32, 64]) {
        const owners = assignPartitions(count, members)
        const shares = members.map((m) => owners.filter((o) => o === m).length)
        expect(shares.reduce((a, b) => a + b, 0)).toBe(count)
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1)
        expect(assignPartitions(count, [...members].reverse())).toEqual(owners)
      }
    }
    expect(assignPartitions(3, [])).toEqual([undefined, undefined, undefined])
    // Names that differ by one character still split fairly (FNV's weak low bits are mixed).
    expect(new Set(assignPartitions(4, ['worker-a', 'worker-b'])).size).toBe(2)
  })

  it('moves few partitions when a worker joins, and only to it or to keep the shares even', () => {
    const before = assignPartitions(64, ['w1', 'w2'])
    const after = assignPartitions(64, ['w1', 'w2', 'w3'])
    const moved = after.filter((owner, p) => owner !== before[p])
    expect(after.filter((o) => o === 'w3')).toHaveLength(moved.filter((o) => o === 'w3').length)
    // A third must move to the new worker; a handful more may shift to even the shares out.
    expect(moved.length).toBeLessThanOrEqual(64 / 3 + 8)
  })
})
