import { randomUUID } from 'node:crypto'
import type { Clock, TimerHandle } from '../clock.js'
import { toEpochMs, type FireTimer, type ScheduledTimer, type Scheduler, type TimerRequest } from './scheduler.js'

/** A timer a worker has claimed: fire it, then complete or retry it with its generation. */
export interface ClaimedTimer {
  readonly timer: ScheduledTimer
  /** Changes whenever the timer is scheduled again, so a stale worker cannot delete the new one. */
  readonly gen: string
}

/** What a durable scheduler keeps in its database. Every method is one atomic step. */
export interface TimerBackend {
  /** Inserts or replaces (by id) a timer, due at `dueAt`, claimable from `dueAt`. */
  put(timer: ScheduledTimer, dueAt: number, gen: string): Promise<void>
  remove(id: string): Promise<boolean>
  removeByKey(customerId: string, key: string): Promise<number>
  removeCustomer(customerId: string): Promise<number>
  list(customerId: string): Promise<ScheduledTimer[]>
  /** Claims up to `limit` timers claimable at `now` (soonest first) and leases them until `now + leaseMs`. */
  claim(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedTimer[]>
  /** Deletes a fired timer, unless it was scheduled again meanwhile. */
  complete(id: string, gen: string): Promise<void>
  /** Makes a timer whose firing failed claimable again at `runAt`, unless it was replaced meanwhile. */
  retry(id: string, gen: string, runAt: number): Promise<void>
}

/** Tuning of a durable scheduler. */
export interface PollingSchedulerOptions {
  /** How often due timers are looked for (ms). Default 1000. */
  readonly pollIntervalMs?: number | undefined
  /** How long a claimed timer belongs to its worker; after that (a crash) another worker fires it. Default 30 000. */
  readonly leaseMs?: number | undefined
  /** Delay before a timer whose firing failed is tried again (ms). Default 5 000. */
  readonly retryMs?: number | undefined
  /** Timers claimed per round trip. Default 100. */
  readonly batchSize?: number | undefined
  /** This worker's name, recorded on claims. Default: a random id. */
  readonly workerId?: string | undefined
}

/**
 * A Scheduler whose timers live in a database, so they survive restarts and fire once across
 * workers: each poll claims due timers atomically under a lease, fires them through the hub,
 * then deletes them (or, when firing failed, makes them due again after `retryMs`). A worker
 * that dies while holding a lease loses it after `leaseMs`, and another worker fires the timer:
 * at-least-once on crashes, which is why fired events carry the stable id `timer:<id>` and the
 * pipeline applies events idempotently.
 *
 * Time is read from the injected Clock, both for "what is due" and for the poll loop, so a
 * VirtualClock drives it; {@link PollingScheduler.pollNow} runs one poll and waits for it.
 */
export class PollingScheduler implements Scheduler {
  readonly #backend: TimerBackend
  readonly #clock: Clock
  readonly #pollMs: number
  readonly #leaseMs: number
  readonly #retryMs: number
  readonly #batch: number
  readonly #owner: string
  #fire: FireTimer | undefined
  #loop: TimerHandle | undefined
  #wake: { at: number; handle: TimerHandle } | undefined
  #running: Promise<number> | undefined
  #again = false

  constructor(backend: TimerBackend, clock: Clock, options: PollingSchedulerOptions = {}) {
    this.#backend = backend
    this.#clock = clock
    this.#pollMs = options.pollIntervalMs ?? 1_000
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#retryMs = options.retryMs ?? 5_000
    this.#batch = options.batchSize ?? 100
    this.#owner = options.workerId ?? randomUUID()
  }

  async schedule(request: TimerRequest): Promise<ScheduledTimer> {
    const dueAt = toEpochMs(request.at)
    const timer: ScheduledTimer = {
      id: request.id ?? randomUUID(),
      at: new Date(dueAt).toISOString(),
      // JSON round trip: what is stored is what fires (a Date in the event becomes its ISO string).
      event: JSON.parse(JSON.stringify(request.event)) as ScheduledTimer['event'],
      ...(request.customerId === undefined ? {} : { customerId: request.customerId }),
      ...(request.key === undefined ? {} : { key: request.key }),
    }
    await this.#backend.put(timer, dueAt, randomUUID())
    if (this.#fire) this.#wakeAt(dueAt)
    return timer
  }

  cancel(id: string): Promise<boolean> {
    return this.#backend.remove(id)
  }

  cancelByKey(customerId: string, key: string): Promise<number> {
    return this.#backend.removeByKey(customerId, key)
  }

  list(customerId: string): Promise<ScheduledTimer[]> {
    return this.#backend.list(customerId)
  }

  eraseCustomer(customerId: string): Promise<number> {
    return this.#backend.removeCustomer(customerId)
  }

  async start(fire: FireTimer): Promise<void> {
    this.#fire = fire
    this.#arm()
    this.#tick()
  }

  async stop(): Promise<void> {
    this.#fire = undefined
    this.#loop?.cancel()
    this.#loop = undefined
    this.#wake?.handle.cancel()
    this.#wake = undefined
    // Let an in-flight poll finish, so nothing is fired after stop resolves.
    await this.#running?.catch(() => 0)
  }

  /**
   * Runs one poll now (after any in flight) and resolves with how many timers fired. Polls
   * until nothing due is left. Tests call it after moving a virtual clock.
   */
  async pollNow(): Promise<number> {
    await this.#running?.catch(() => 0)
    return this.#poll()
  }

  #arm(): void {
    if (!this.#fire) return
    this.#loop = this.#clock.setTimer(this.#clock.now() + this.#pollMs, () => {
      this.#tick()
      this.#arm()
    })
  }

  /** Wakes up early for a timer due before the next regular poll. */
  #wakeAt(at: number): void {
    const nextPoll = this.#clock.now() + this.#pollMs
    if (at >= nextPoll || (this.#wake && this.#wake.at <= at)) return
    this.#wake?.handle.cancel()
    this.#wake = {
      at,
      handle: this.#clock.setTimer(at, () => {
        this.#wake = undefined
        this.#tick()
      }),
    }
  }

  #tick(): void {
    if (this.#running) {
      // Something may have come due during the poll in flight: look once more after it.
      this.#again = true
      return
    }
    void this.#poll().catch(() => {
      // The database is unreachable: the next tick tries again; timers stay where they are.
    })
  }

  #poll(): Promise<number> {
    const run: Promise<number> = this.#pollLoop().finally(() => {
      if (this.#running === run) this.#running = undefined
    })
    this.#running = run
    return run
  }

  async #pollLoop(): Promise<number> {
    let fired = 0
    do {
      this.#again = false
      for (;;) {
        const fire = this.#fire
        if (!fire) return fired
        const claimed = await this.#backend.claim(this.#clock.now(), this.#batch, this.#leaseMs, this.#owner)
        claimed.sort((a, b) => a.timer.at.localeCompare(b.timer.at) || a.timer.id.localeCompare(b.timer.id))
        for (const { timer, gen } of claimed) {
          try {
            await fire(timer)
          } catch {
            await this.#backend.retry(timer.id, gen, this.#clock.now() + this.#retryMs)
            continue
          }
          await this.#backend.complete(timer.id, gen)
          fired++
        }
        if (claimed.length < this.#batch) break
      }
    } while (this.#again)
    return fired
  }
}
