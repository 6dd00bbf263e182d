import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ScheduledTimer, Scheduler } from '../scheduler/scheduler.js'

/** One "worker" of a {@link describeSchedulerWorkersSuite} run: a scheduler with its own connection, on real time. */
export interface SchedulerWorker {
  readonly scheduler: Scheduler
  /** Stops the scheduler and closes the worker's connection. */
  readonly close: () => Promise<void>
  /** Closes the connection without waiting for the scheduler (a process that died mid-fire). */
  readonly abandon: () => Promise<void>
}

/** What the suite needs from a shared-storage scheduler (PostgreSQL, Redis, yours). */
export interface SchedulerWorkersSetup {
  /**
   * A new worker on the shared storage, as a separate process would have: its own connection and
   * scheduler (worker id `name`), polling every 40 ms, 25 timers per batch, retrying after 100 ms,
   * with `leaseMs` if given.
   */
  readonly worker: (name: string, options: { readonly leaseMs?: number }) => SchedulerWorker
  /** How many timers the storage still holds (0 once every timer fired). */
  readonly timersLeft: () => Promise<number>
  /** Drops the storage. */
  readonly cleanup?: () => Promise<void>
}

const event = (n: number) => ({ type: 'timer.fired', source: 'system', identity: { customerId: `c${n % 7}` }, data: { n } })

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Schedulers that share storage across processes, on real time: two workers fire each timer
 * exactly once, a timer survives a restart, and a worker that dies mid-fire loses its lease to
 * another. Every shared-storage Scheduler runs it (`setup` is called once for the suite).
 */
export function describeSchedulerWorkersSuite(name: string, setup: () => Promise<SchedulerWorkersSetup> | SchedulerWorkersSetup): void {
  describe(`Scheduler across workers: ${name}`, () => {
    let s: SchedulerWorkersSetup
    beforeAll(async () => void (s = await setup()))
    afterAll(async () => void (await s?.cleanup?.().catch(() => {})))

    it('two workers on one storage fire each of 300 timers exactly once', async () => {
      const a = s.worker('worker-a', {})
      const b = s.worker('worker-b', {})
      const fired = new Map<string, string[]>()
      const record = (by: string) => async (timer: ScheduledTimer) => {
        fired.set(timer.id, [...(fired.get(timer.id) ?? []), by])
        // A little work per timer, so both workers are busy at once.
        await new Promise((r) => setTimeout(r, 1))
      }
      try {
        const now = Date.now()
        // Scheduled through both workers, due over the next 600 ms.
        await Promise.all(
          Array.from({ length: 300 }, (_, n) =>
            (n % 2 ? a : b).scheduler.schedule({ id: `w${n}`, at: now + (n % 60) * 10, customerId: `c${n % 7}`, event: event(n) }),
          ),
        )
        await Promise.all([a.scheduler.start(record('a')), b.scheduler.start(record('b'))])
        await until(() => fired.size === 300)
        await new Promise((r) => setTimeout(r, 300))
        const twice = [...fired].filter(([, by]) => by.length !== 1)
        expect(twice).toEqual([])
        expect(fired.size).toBe(300)
        // Which worker fired how many is left to timing (a busy machine can let one take them
        // all); what must hold is above: every timer fired, and by exactly one worker.
        expect(await s.timersLeft()).toBe(0)
      } finally {
        await a.close()
        await b.close()
      }
    })

    it('a timer survives a restart: a new instance fires what the old one scheduled', async () => {
      const first = s.worker('before-restart', {})
      const fired: string[] = []
      await first.scheduler.start(async (timer) => void fired.push(`first:${timer.id}`))
      await first.scheduler.schedule({ id: 'survivor', at: Date.now() + 400, customerId: 'c1', event: event(1) })
      await first.close()
      await new Promise((r) => setTimeout(r, 500))
      expect(fired).toEqual([])
      const second = s.worker('after-restart', {})
      try {
        expect((await second.scheduler.list('c1')).map((x) => x.id)).toEqual(['survivor'])
        await second.scheduler.start(async (timer) => void fired.push(`second:${timer.id}`))
        await until(() => fired.length === 1)
        expect(fired).toEqual(['second:survivor'])
        expect(await second.scheduler.list('c1')).toEqual([])
      } finally {
        await second.close()
      }
    })

    it('a worker that dies while firing loses its lease; another worker fires the timer', async () => {
      const dying = s.worker('dying', { leaseMs: 300 })
      const fired: string[] = []
      let claimedByDying!: () => void
      const claimed = new Promise<void>((r) => (claimedByDying = r))
      // Never resolves: the process "dies" mid-fire, before it could delete the timer.
      void dying.scheduler.start(() => {
        claimedByDying()
        return new Promise<void>(() => {})
      })
      await dying.scheduler.schedule({ id: 'orphan', at: Date.now(), customerId: 'c9', event: event(9) })
      await claimed
      const healthy = s.worker('healthy', { leaseMs: 300 })
      try {
        await healthy.scheduler.start(async (timer) => void fired.push(timer.id))
        await new Promise((r) => setTimeout(r, 150))
        expect(fired).toEqual([])
        await until(() => fired.length === 1)
        expect(fired).toEqual(['orphan'])
      } finally {
        await healthy.close()
        // The dying worker's poll never ends: stop it without waiting, and close its connection.
        void dying.scheduler.stop()
        await dying.abandon()
      }
    })
  })
}
