import { Subject, type Subscription } from 'rxjs'
import type { OmoEvent } from '../envelope.js'
import { ErrorCode, OmotenashiError } from '../errors.js'
import { partitionKey } from '../partition.js'
import type { EventBus, EventHandler, UndeliverableHandler } from './event-bus.js'
import { orderedByKey, type Settled } from './ordered-by-key.js'

/** Options of the in-process bus. */
export interface MemoryEventBusOptions {
  /** Most events accepted but not yet handled; `publish` waits beyond it. Default 10 000. */
  readonly capacity?: number
  /** Attempts per event before it is handed to the undeliverable handler. Default 3. */
  readonly maxAttempts?: number
  /** Partition key; default {@link partitionKey}. */
  readonly keyOf?: (event: OmoEvent) => string
}

interface Delivery {
  readonly event: OmoEvent
  attempts: number
}

/**
 * The in-process EventBus on RxJS: ordered per key, concurrent across keys, bounded, with
 * retries and graceful drain. The embedded default of every hub.
 */
export class MemoryEventBus implements EventBus {
  readonly #capacity: number
  readonly #maxAttempts: number
  readonly #keyOf: (event: OmoEvent) => string
  readonly #input = new Subject<Delivery>()
  #handler: EventHandler | undefined
  #onUndeliverable: UndeliverableHandler | undefined
  #subscription: Subscription | undefined
  #inFlight = 0
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  readonly #spaceWaiters: Array<() => void> = []
  readonly #drainWaiters: Array<() => void> = []
  readonly #early: Delivery[] = []

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
    this.#subscription = this.#input
      .pipe(orderedByKey((d) => this.#keyOf(d.event), (d) => this.#attempt(handler, d)))
      .subscribe((settled) => this.#settle(settled))
    this.#state = 'running'
    for (const d of this.#early.splice(0)) this.#input.next(d)
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
    this.#subscription?.unsubscribe()
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
    const delivery: Delivery = { event, attempts: 0 }
    if (this.#state === 'running') this.#input.next(delivery)
    else this.#early.push(delivery)
  }

  #settle(settled: Settled<Delivery>): void {
    const delivery = settled.value
    if (settled.error !== undefined) {
      const report = this.#onUndeliverable
      if (report) {
        void Promise.resolve()
          .then(() => report(delivery.event, settled.error, delivery.attempts))
          .catch(() => undefined)
          .finally(() => this.#release())
        return
      }
    }
    this.#release()
  }

  /**
   * Retries in place, before the next event of the key runs, so order holds across retries.
   * The synchronous path costs no promise.
   */
  #attempt(handler: EventHandler, delivery: Delivery): void | Promise<void> {
    delivery.attempts++
    let result: void | Promise<void>
    try {
      result = handler(delivery.event)
    } catch (error) {
      return this.#retry(handler, delivery, error)
    }
    if (result === undefined) return undefined
    return result.catch((error: unknown) => this.#retry(handler, delivery, error))
  }

  async #retry(handler: EventHandler, delivery: Delivery, error: unknown): Promise<void> {
    if (delivery.attempts >= this.#maxAttempts) throw error
    await this.#attempt(handler, delivery)
  }

  #release(): void {
    this.#inFlight--
    const wake = this.#spaceWaiters.shift()
    if (wake) wake()
    if (this.#inFlight === 0) for (const done of this.#drainWaiters.splice(0)) done()
  }
}
