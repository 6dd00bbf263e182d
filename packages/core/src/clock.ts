/** A cancellable timer returned by {@link Clock.setTimer}. */
export interface TimerHandle {
  /** Cancels the timer; a no-op once it ran. */
  cancel(): void
}

/**
 * The only source of time in Omotenashi. Everything that needs "now" or a delay reads it from
 * here, so tests and simulations can run a virtual day in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `fn` once at `at` (epoch ms) or as soon as possible if that is past. */
  setTimer(at: number, fn: () => void): TimerHandle
}

/** Real time, on Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now()
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    // setTimeout overflows past 2^31-1 ms (~24.8 days): re-arm in steps.
    const MAX = 2_147_483_647
    let handle: NodeJS.Timeout
    const arm = (): void => {
      const delay = at - Date.now()
      if (delay > MAX) handle = setTimeout(arm, MAX)
      else handle = setTimeout(fn, Math.max(0, delay))
      handle.unref?.()
    }
    arm()
    return { cancel: () => clearTimeout(handle) }
  }
}

interface VirtualTimer {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
  cancelled: boolean
}

/**
 * A clock that moves only when told. `advance` runs due timers in time order and lets the
 * promises they start settle before moving on, so a whole day of timers runs deterministically.
 */
export class VirtualClock implements Clock {
  #now: number
  #seq = 0
  #timers: VirtualTimer[] = []

  /** @param start - the starting instant (Date, ISO string or epoch ms). Default 2026-01-01T00:00:00Z. */
  constructor(start: Date | string | number = '2026-01-01T00:00:00Z') {
    this.#now = typeof start === 'number' ? start : new Date(start).getTime()
  }

  now(): number {
    return this.#now
  }

  setTimer(at: number, fn: () => void): TimerHandle {
    const timer: VirtualTimer = { at, seq: this.#seq++, fn, cancelled: false }
    this.#timers.push(timer)
    return { cancel: () => void (timer.cancelled = true) }
  }

  /** Number of timers not yet run or cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms)
  }

  /** Moves time to `instant`, running every timer due by then, in order. */
  async advanceTo(instant: Date | string | number): Promise<void> {
    const target = typeof instant === 'number' ? instant : new Date(instant).getTime()
    for (;;) {
      await settle()
      this.#timers = this.#timers.filter((t) => !t.cancelled)
      let next: VirtualTimer | undefined
      for (const t of this.#timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (!next) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
    }
    this.#now = Math.max(this.#now, target)
    await settle()
  }
}

/** Lets pending promise chains (and a few I/O turns) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
