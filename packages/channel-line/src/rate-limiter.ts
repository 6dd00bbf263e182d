/** Time functions the limiter runs on (real time by default; injectable for tests). */
export interface LimiterTime {
  /** Milliseconds, monotonic enough for spacing requests. */
  now(): number
  /** Resolves after `ms`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Real time. */
export const realTime: LimiterTime = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

/**
 * A client-side rate limiter (GCRA, the "virtual scheduling" leaky bucket): each request gets the
 * next free slot `1/rate` after the previous one, with up to `burst` slots usable at once.
 * Spacing requests evenly, rather than bursting and then waiting, is what keeps LINE from
 * answering 429 while still using nearly all of the allowed rate.
 */
export class RateLimiter {
  readonly #interval: number
  readonly #tolerance: number
  readonly #time: LimiterTime
  #tat = 0

  /**
   * @param perSecond - requests allowed per second.
   * @param burst - requests that may go at once after an idle period (default 1).
   */
  constructor(perSecond: number, burst = 1, time: LimiterTime = realTime) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be > 0')
    this.#interval = 1000 / perSecond
    this.#tolerance = this.#interval * Math.max(0, burst - 1)
    this.#time = time
  }

  /** Waits for this request's slot. Slots are handed out in call order. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.#time.now()
    const tat = Math.max(this.#tat, now)
    const wait = tat - this.#tolerance - now
    this.#tat = tat + this.#interval
    if (wait > 0) await this.#time.sleep(wait, signal)
  }

  /** Pushes every later slot back by `ms` (after a 429, the server wants a pause). */
  pause(ms: number): void {
    this.#tat = Math.max(this.#tat, this.#time.now() + ms)
  }
}
