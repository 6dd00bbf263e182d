import { afterEach, describe, expect, it } from 'vitest'
import type { ScheduledTimer, Scheduler } from '../scheduler/scheduler.js'
import type { VirtualClock } from '../clock.js'

/** What a scheduler contract run needs: a fresh scheduler, and how to let time pass for it. */
export interface SchedulerFixture {
  /** A scheduler with no timers. */
  readonly scheduler: Scheduler
  /** Moves time to `at` (epoch ms) and waits until the scheduler had its chance to fire due timers. */
  readonly advanceTo: (at: number) => Promise<void>
  /** The fixture's current time (epoch ms). */
  readonly now: () => number
  /** Releases what the fixture opened. */
  readonly cleanup?: () => Promise<void>
}

/** A fixture helper for schedulers driven by a VirtualClock. */
export function virtualTime(clock: VirtualClock): Pick<SchedulerFixture, 'advanceTo' | 'now'> {
  return { advanceTo: (at) => clock.advanceTo(at), now: () => clock.now() }
}

const event = (n: number) => ({ type: 'timer.fired', source: 'system', identity: { customerId: 'c1' }, data: { timerId: `t${n}`, purpose: 'test' } })

/**
 * The Scheduler contract: every implementation (memory, PostgreSQL, Redis, yours) must pass it.
 * `make` is called once per test.
 */
export function describeSchedulerContract(name: string, make: () => Promise<SchedulerFixture>): void {
  describe(`Scheduler contract: ${name}`, () => {
    let fixture: SchedulerFixture | undefined
    afterEach(async () => {
      await fixture?.scheduler.stop()
      await fixture?.cleanup?.()
      fixture = undefined
    })

    const setup = async (): Promise<{ f: SchedulerFixture; fired: ScheduledTimer[] }> => {
      fixture = await make()
      const fired: ScheduledTimer[] = []
      await fixture.scheduler.start(async (t) => void fired.push(t))
      return { f: fixture, fired }
    }

    it('fires a timer once, at its time and not before', async () => {
      const { f, fired } = await setup()
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'a', at: t0 + 60_000, customerId: 'c1', event: event(1) })
      await f.advanceTo(t0 + 30_000)
      expect(fired).toEqual([])
      await f.advanceTo(t0 + 61_000)
      expect(fired.map((t) => t.id)).toEqual(['a'])
      await f.advanceTo(t0 + 120_000)
      expect(fired.map((t) => t.id)).toEqual(['a'])
      expect(await f.scheduler.list('c1')).toEqual([])
    })

    it('fires due timers in time order and keeps the event intact', async () => {
      const { f, fired } = await setup()
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'late', at: t0 + 20_000, customerId: 'c1', event: event(2) })
      await f.scheduler.schedule({ id: 'early', at: t0 + 10_000, customerId: 'c1', event: event(1) })
      await f.advanceTo(t0 + 30_000)
      expect(fired.map((t) => t.id)).toEqual(['early', 'late'])
      expect(fired[0]?.event).toEqual(event(1))
    })

    it('replaces a timer scheduled again under the same id', async () => {
      const { f, fired } = await setup()
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'x', at: t0 + 10_000, customerId: 'c1', event: event(1) })
      await f.scheduler.schedule({ id: 'x', at: t0 + 50_000, customerId: 'c1', event: event(2) })
      await f.advanceTo(t0 + 20_000)
      expect(fired).toEqual([])
      await f.advanceTo(t0 + 60_000)
      expect(fired.map((t) => t.event)).toEqual([event(2)])
    })

    it('cancels by id and by customer key, and lists what is pending', async () => {
      const { f, fired } = await setup()
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'a', at: t0 + 10_000, customerId: 'c1', key: 'wait-pickup', event: event(1) })
      await f.scheduler.schedule({ id: 'b', at: t0 + 10_000, customerId: 'c1', key: 'wait-pickup', event: event(2) })
      await f.scheduler.schedule({ id: 'c', at: t0 + 5_000, customerId: 'c1', key: 'other', event: event(3) })
      await f.scheduler.schedule({ id: 'd', at: t0 + 10_000, customerId: 'c2', key: 'wait-pickup', event: event(4) })
      expect((await f.scheduler.list('c1')).map((t) => t.id)).toEqual(['c', 'a', 'b'])
      expect(await f.scheduler.cancel('c')).toBe(true)
      expect(await f.scheduler.cancel('c')).toBe(false)
      expect(await f.scheduler.cancelByKey('c1', 'wait-pickup')).toBe(2)
      await f.advanceTo(t0 + 20_000)
      expect(fired.map((t) => t.id)).toEqual(['d'])
    })

    it('erases a customer\'s timers', async () => {
      const { f, fired } = await setup()
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'a', at: t0 + 10_000, customerId: 'c1', event: event(1) })
      await f.scheduler.schedule({ id: 'b', at: t0 + 10_000, customerId: 'c2', event: event(2) })
      expect(await f.scheduler.eraseCustomer('c1')).toBe(1)
      expect(await f.scheduler.list('c1')).toEqual([])
      await f.advanceTo(t0 + 20_000)
      expect(fired.map((t) => t.id)).toEqual(['b'])
    })

    it('keeps a timer whose firing failed and fires it again later', async () => {
      fixture = await make()
      const f = fixture
      let calls = 0
      const fired: string[] = []
      await f.scheduler.start(async (t) => {
        calls++
        if (calls === 1) throw new Error('hub busy')
        fired.push(t.id)
      })
      const t0 = f.now()
      await f.scheduler.schedule({ id: 'r', at: t0 + 1_000, customerId: 'c1', event: event(1) })
      await f.advanceTo(t0 + 2_000)
      await f.advanceTo(t0 + 120_000)
      expect(calls).toBeGreaterThanOrEqual(2)
      expect(fired).toEqual(['r'])
    })
  })
}
