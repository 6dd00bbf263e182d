import { randomUUID } from 'node:crypto'
import type { Clock, TimerHandle } from '../clock.js'
import type { FireTimer, ScheduledTimer, Scheduler, TimerRequest } from './scheduler.js'
import { toEpochMs } from './scheduler.js'

/** Delay before a timer whose event was refused is tried again. */
const RETRY_MS = 1_000

/**
 * The in-memory Scheduler: timers live in this process and are armed on the injected Clock,
 * so a VirtualClock runs a day of them in milliseconds. Timers are lost on restart: use a
 * durable scheduler from a store package in production.
 */
export class MemoryScheduler implements Scheduler {
  readonly #clock: Clock
  readonly #timers = new Map<string, { timer: ScheduledTimer; handle?: TimerHandle }>()
  #fire: FireTimer | undefined

  constructor(clock: Clock) {
    this.#clock = clock
  }

  async schedule(request: TimerRequest): Promise<ScheduledTimer> {
    const timer: ScheduledTimer = {
      id: request.id ?? randomUUID(),
      at: new Date(toEpochMs(request.at)).toISOString(),
      event: request.event,
      ...(request.customerId === undefined ? {} : { customerId: request.customerId }),
      ...(request.key === undefined ? {} : { key: request.key }),
    }
    this.#timers.get(timer.id)?.handle?.cancel()
    this.#timers.set(timer.id, { timer })
    if (this.#fire) this.#arm(timer.id, toEpochMs(timer.at))
    return timer
  }

  async cancel(id: string): Promise<boolean> {
    const entry = this.#timers.get(id)
    if (!entry) return false
    entry.handle?.cancel()
    this.#timers.delete(id)
    return true
  }

  async cancelByKey(customerId: string, key: string): Promise<number> {
    let n = 0
    for (const [id, { timer }] of this.#timers) {
      if (timer.customerId === customerId && timer.key === key && (await this.cancel(id))) n++
    }
    return n
  }

  async list(customerId: string): Promise<ScheduledTimer[]> {
    return [...this.#timers.values()]
      .map((e) => e.timer)
      .filter((t) => t.customerId === customerId)
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
  }

  async eraseCustomer(customerId: string): Promise<number> {
    let n = 0
    for (const [id, { timer }] of this.#timers) if (timer.customerId === customerId && (await this.cancel(id))) n++
    return n
  }

  async start(fire: FireTimer): Promise<void> {
    this.#fire = fire
    for (const [id, { timer }] of this.#timers) this.#arm(id, toEpochMs(timer.at))
  }

  async stop(): Promise<void> {
    this.#fire = undefined
    for (const entry of this.#timers.values()) {
      entry.handle?.cancel()
      delete entry.handle
    }
  }

  #arm(id: string, at: number): void {
    const entry = this.#timers.get(id)
    if (!entry) return
    entry.handle?.cancel()
    entry.handle = this.#clock.setTimer(at, () => void this.#due(id))
  }

  async #due(id: string): Promise<void> {
    const entry = this.#timers.get(id)
    const fire = this.#fire
    if (!entry || !fire) return
    delete entry.handle
    try {
      await fire(entry.timer)
      // Only remove the timer we fired: it may have been replaced meanwhile.
      if (this.#timers.get(id) === entry) this.#timers.delete(id)
    } catch {
      if (this.#timers.get(id) === entry && this.#fire) this.#arm(id, this.#clock.now() + RETRY_MS)
    }
  }
}
