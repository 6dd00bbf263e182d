import { describe, expect, it } from 'vitest'
import type { OmoEvent } from '../envelope.js'
import { describeEventBusContract } from '../testing/index.js'
import { MemoryEventBus } from './memory-event-bus.js'

describeEventBusContract('memory', async () => ({ bus: new MemoryEventBus({ capacity: 100 }) }))

const ev = (customer: string, n: number): OmoEvent => ({
  id: `${customer}-${n}`,
  type: 'page.viewed',
  source: 'web',
  time: '2026-01-01T00:00:00.000Z',
  identity: { customerId: customer },
  data: { n },
})

describe('MemoryEventBus', () => {
  it('keeps per-customer order for 10k customers published in random interleaving, running customers concurrently', async () => {
    const customers = 10_000
    const perCustomer = 5
    const bus = new MemoryEventBus({ capacity: 5_000 })
    const seen = new Map<string, number[]>()
    let active = 0
    let maxActive = 0
    bus.consume(
      async (e) => {
        active++
        maxActive = Math.max(maxActive, active)
        await Promise.resolve()
        await new Promise<void>((r) => setImmediate(r))
        const c = e.identity.customerId!
        const list = seen.get(c)
        if (list) list.push(e.data['n'] as number)
        else seen.set(c, [e.data['n'] as number])
        active--
      },
      () => undefined,
    )
    await bus.start()
    // Random interleaving that keeps each customer's own sequence in order (as a real source would).
    const next = new Array<number>(customers).fill(0)
    const remaining = Array.from({ length: customers }, (_, i) => i)
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    while (remaining.length > 0) {
      const slot = rand(remaining.length)
      const c = remaining[slot]!
      await bus.publish(ev(`c${c}`, next[c]!++))
      if (next[c] === perCustomer) remaining.splice(slot, 1)
    }
    await bus.drain()
    expect(seen.size).toBe(customers)
    const expected = Array.from({ length: perCustomer }, (_, i) => i)
    let outOfOrder = 0
    for (const list of seen.values()) if (list.join() !== expected.join()) outOfOrder++
    expect(outOfOrder).toBe(0)
    expect(maxActive).toBeGreaterThan(100)
  })

  it('makes publish wait when full: backpressure reaches the caller', async () => {
    const bus = new MemoryEventBus({ capacity: 2 })
    const release: Array<() => void> = []
    bus.consume(() => new Promise<void>((r) => release.push(r)), () => undefined)
    await bus.start()
    await bus.publish(ev('a', 1))
    await bus.publish(ev('b', 1))
    expect(bus.offer(ev('c', 1))).toBe(false)
    let third = false
    const pending = bus.publish(ev('c', 1)).then(() => (third = true))
    await new Promise((r) => setImmediate(r))
    expect(third).toBe(false)
    release.shift()!()
    await pending
    expect(third).toBe(true)
    release.splice(0).forEach((r) => r())
    await new Promise((r) => setImmediate(r))
    release.splice(0).forEach((r) => r())
    await bus.drain()
    expect(bus.inFlight).toBe(0)
  })

  it('refuses a capacity below one', () => {
    expect(() => new MemoryEventBus({ capacity: 0 })).toThrow(/capacity/)
  })
})
