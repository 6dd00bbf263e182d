import { afterEach, describe, expect, it } from 'vitest'
import type { EventBus } from '../bus/event-bus.js'
import type { OmoEvent } from '../envelope.js'

const ev = (customer: string, n: number): OmoEvent => ({
  id: `${customer}-${n}`,
  type: 'page.viewed',
  source: 'web',
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  identity: { customerId: customer },
  data: { n },
})

/** The EventBus contract: order per customer, at-least-once, drain, stop. `make` gives a fresh bus. */
export function describeEventBusContract(name: string, make: () => Promise<{ bus: EventBus; cleanup?: () => Promise<void> }>): void {
  describe(`EventBus contract: ${name}`, () => {
    let made: { bus: EventBus; cleanup?: () => Promise<void> } | undefined
    afterEach(async () => {
      await made?.bus.stop().catch(() => undefined)
      await made?.cleanup?.()
      made = undefined
    })

    it('keeps order per customer while customers interleave', async () => {
      made = await make()
      const seen = new Map<string, number[]>()
      made.bus.consume(
        async (e) => {
          await new Promise((r) => setTimeout(r, (e.data['n'] as number) % 3))
          const list = seen.get(e.identity.customerId!) ?? []
          list.push(e.data['n'] as number)
          seen.set(e.identity.customerId!, list)
        },
        () => undefined,
      )
      await made.bus.start()
      for (let n = 0; n < 20; n++) for (const c of ['a', 'b', 'c']) await made.bus.publish(ev(c, n))
      await made.bus.drain()
      const expected = Array.from({ length: 20 }, (_, i) => i)
      expect(seen.get('a')).toEqual(expected)
      expect(seen.get('b')).toEqual(expected)
      expect(seen.get('c')).toEqual(expected)
    })

    it('redelivers an event whose handler failed, before the next one of that customer', async () => {
      made = await make()
      const order: string[] = []
      let failedOnce = false
      made.bus.consume(
        async (e) => {
          if (e.id === 'a-1' && !failedOnce) {
            failedOnce = true
            throw new Error('transient')
          }
          order.push(e.id)
        },
        () => undefined,
      )
      await made.bus.start()
      await made.bus.publish(ev('a', 1))
      await made.bus.publish(ev('a', 2))
      await made.bus.drain()
      expect(order).toEqual(['a-1', 'a-2'])
    })

    it('hands an event that keeps failing to the undeliverable handler and goes on', async () => {
      made = await make()
      const undeliverable: string[] = []
      const ok: string[] = []
      made.bus.consume(
        async (e) => {
          if (e.id === 'a-1') throw new Error('poison')
          ok.push(e.id)
        },
        (e) => void undeliverable.push(e.id),
      )
      await made.bus.start()
      await made.bus.publish(ev('a', 1))
      await made.bus.publish(ev('a', 2))
      await made.bus.drain()
      expect(undeliverable).toEqual(['a-1'])
      expect(ok).toEqual(['a-2'])
    })

    it('retries and gives up on a synchronous handler as on an async one, in order', async () => {
      // Buses may skip the promise for a handler that returns nothing (the hub's pipeline does
      // while its stages are synchronous): a synchronous throw must still be retried and kept.
      made = await make()
      const order: string[] = []
      const undeliverable: string[] = []
      let failedOnce = false
      made.bus.consume(
        (e) => {
          if (e.id === 'a-1' && !failedOnce) {
            failedOnce = true
            throw new Error('transient')
          }
          if (e.id === 'b-1') throw new Error('poison')
          order.push(e.id)
        },
        (e) => void undeliverable.push(e.id),
      )
      await made.bus.start()
      for (const e of [ev('a', 1), ev('a', 2), ev('b', 1), ev('b', 2)]) await made.bus.publish(e)
      await made.bus.drain()
      expect(order.filter((id) => id.startsWith('a-'))).toEqual(['a-1', 'a-2'])
      expect(order.filter((id) => id.startsWith('b-'))).toEqual(['b-2'])
      expect(undeliverable).toEqual(['b-1'])
    })

    it('drains on stop and refuses events after it', async () => {
      made = await make()
      const done: string[] = []
      made.bus.consume(
        async (e) => {
          await new Promise((r) => setTimeout(r, 5))
          done.push(e.id)
        },
        () => undefined,
      )
      await made.bus.start()
      for (let n = 0; n < 10; n++) await made.bus.publish(ev('a', n))
      await made.bus.stop()
      expect(done).toHaveLength(10)
      await expect(made.bus.publish(ev('a', 99))).rejects.toThrow()
    })
  })
}
