import type { OmoEvent } from '../envelope.js'
import { ErrorCode, OmotenashiError } from '../errors.js'
import { partitionKey } from '../partition.js'
import type { EventBus, EventHandler, UndeliverableHandler } from './event-bus.js'
import { KeyedRunner } from './keyed-runner.js'

/** Options of the in-process bus. */
export interface MemoryEventBusOptions {
  /** Most events accepted but not yet handled; `publish` waits beyond it. Default 10 000. */
  readonly capacity?: number
  /** Attempts per event before it is handed to the undeliverable handler. Default 3. */
  readonly maxAttempts?: number
  /** Partition key; default {@link partitionKey}. */
  readonly keyOf?: (event: OmoEvent) => string
}

/** An event whose handler failed on every attempt. */
class Exhausted {
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {}
}

/**
 * The in-process EventBus: ordered per key, concurrent across keys, bounded, with retries and
 * graceful drain. The embedded default of every hub. It runs on {@link KeyedRunner}, the same
 * engine as the RxJS operator `orderedByKey`, called directly so an event costs no
 * subscriber chain on the hot path.
 */
export class MemoryEventBus implements EventBus {
  readonly #capacity: number
  readonly #maxAttempts: number
  readonly #keyOf: (event: OmoEvent) => string
  #handler: EventHandler | undefined
  #onUndeliverable: UndeliverableHandler | undefined
  #runner: KeyedRunner<OmoEvent> | undefined
  #inFlight = 0
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  readonly #spaceWaiters: Array<() => void> = []
  readonly #drainWaiters: Array<() => void> = []
  readonly #early: OmoEvent[] = []

  constructor(options: MemoryEventBusOptions = {}) {
    this.#capacity = options.capacity ?? 10_000
    this.#maxAttempts = options.maxAttempts ?? 3
    this.#keyOf = options.keyOf ?? partitionKey
    if (!(this.#capacity >= 1)) throw new OmotenashiError(ErrorCode.Config, 'capacity must be at least 1')
  }

  /** Events accepted and not yet handled. */
  get inFlight(): number {
    return this.#inFlight
  }

  consume(handler: EventHandler, onUndeliverable: UndeliverableHandler): void {
    if (this.#handler) throw new OmotenashiError(ErrorCode.Config, 'the bus already has a consumer')
    this.#handler = handler
    this.#onUndeliverable = onUndeliverable
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return
    const handler = this.#handler
    if (!handler) throw new OmotenashiError(ErrorCode.Config, 'call consume() before start()')
    const runner = new KeyedRunner<OmoEvent>(this.#keyOf, (event) => this.#attempt(handler, event, 1), (event, _key, error) =>
      this.#settle(event, error),
    )
    this.#runner = runner
    this.#state = 'running'
    for (const d of this.#early.splice(0)) runner.push(d)
  }

  /**
   * Accepts an event without waiting if there is room. Returns false when the bus is full:
   * the caller should then `await publish()` instead.
   */
  offer(event: OmoEvent): boolean {
    this.#assertOpen()
    if (this.#inFlight >= this.#capacity) return false
    this.#accept(event)
    return true
  }

  async publish(event: OmoEvent): Promise<void> {
    this.#assertOpen()
    while (this.#inFlight >= this.#capacity) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve))
      this.#assertOpen()
    }
    this.#accept(event)
  }

  drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return
    if (this.#state === 'new') {
      this.#state = 'stopped'
      return
    }
    this.#state = 'stopping'
    await this.drain()
    this.#runner = undefined
    this.#state = 'stopped'
    // Anyone still waiting for room learns the bus is gone.
    for (const wake of this.#spaceWaiters.splice(0)) wake()
  }

  #assertOpen(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new OmotenashiError(ErrorCode.Stopped, 'the bus is stopped and takes no more events')
    }
  }

  #accept(event: OmoEvent): void {
    this.#inFlight++
    if (this.#runner) this.#runner.push(event)
    else this.#early.push(event)
  }

  #settle(event: OmoEvent, error: unknown): void {
    if (error !== undefined) {
      const exhausted = error instanceof Exhausted ? error : new Exhausted(error, 1)
      const report = this.#onUndeliverable
      if (report) {
        void Promise.resolve()
          .then(() => report(event, exhausted.error, exhausted.attempts))
          .catch(() => undefined)
          .finally(() => this.#release())
        return
      }
    }
    this.#release()
  }

  /**
   * Retries in place, before the next event of the key runs, so order holds across retries.
   * The synchronous path costs no promise and no allocation.
   */
  #attempt(handler: EventHandler, event: OmoEvent, attempt: number): void | Promise<void> {
    let result: void | Promise<void>
    try {
      result = handler(event)
    } catch (error) {
      return this.#retry(handler, event, attempt, error)
    }
    if (result === undefined) return undefined
    return result.catch((error: unknown) => this.#retry(handler, event, attempt, error))
  }

  async #retry(handler: EventHandler, event: OmoEvent, attempt: number, error: unknown): Promise<void> {
    if (attempt >= this.#maxAttempts) throw new Exhausted(error, attempt)
    await this.#attempt(handler, event, attempt + 1)
  }

  #release(): void {
    this.#inFlight--
    const wake = this.#spaceWaiters.shift()
    if (wake) wake()
    if (this.#inFlight === 0) for (const done of this.#drainWaiters.splice(0)) done()
  }
}
