import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CumulativeAcks } from './cumulative-acks.js'

const item = (n: number) => ({ n, done: false })

describe('CumulativeAcks', () => {
  it('acks only up to the first unfinished item', () => {
    const acks = new CumulativeAcks<ReturnType<typeof item>>()
    const [a, b, c] = [item(1), item(2), item(3)]
    for (const x of [a, b, c]) acks.take(x)
    expect(acks.finish(b)).toBeUndefined() // a is still running
    expect([...acks.unacked()].map((x) => x.n)).toEqual([1, 2, 3])
    expect(acks.finish(a)?.n).toBe(2) // a and b
    expect([...acks.unacked()]).toHaveLength(1)
    expect([...acks.unacked()].map((x) => x.n)).toEqual([3])
    expect(acks.finish(c)?.n).toBe(3)
    expect([...acks.unacked()]).toHaveLength(0)
  })

  it('whatever order items finish in, what it acks is always a finished prefix, and in the end all of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([n, order]) => {
        const acks = new CumulativeAcks<ReturnType<typeof item>>()
        const items = Array.from({ length: n }, (_, i) => item(i))
        for (const x of items) acks.take(x)
        let acked = -1
        for (const i of order) {
          const through = acks.finish(items[i]!)
          if (!through) continue
          expect(through.n).toBeGreaterThan(acked)
          for (let k = 0; k <= through.n; k++) expect(items[k]!.done).toBe(true)
          acked = through.n
        }
        expect(acked).toBe(n - 1)
        expect([...acks.unacked()]).toHaveLength(0)
      }),
      { numRuns: 50 },
    )
  })
})
