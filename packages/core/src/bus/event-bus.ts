import type { OmoEvent } from '../envelope.js'

/** Processes one event; resolving means "done, acknowledge it". */
export type EventHandler = (event: OmoEvent) => void | Promise<void>

/** Called with an event the bus gave up on after its retries. */
export type UndeliverableHandler = (event: OmoEvent, error: unknown, attempts: number) => void | Promise<void>

/**
 * The EventBus port: carries accepted events to the hub's pipeline, in order per partition key
 * and concurrently across keys, at least once.
 *
 * Implementations: the in-process {@link MemoryEventBus} (the default) and `@omotenashi/bus-nats`.
 * Run `describeEventBusContract` from `@omotenashi/core/testing` against your own.
 */
export interface EventBus {
  /**
   * Hands an event to the bus. Resolves once the bus has accepted it (for a durable bus: once
   * stored). When the bus is full the promise waits: that is the backpressure callers feel.
   */
  publish(event: OmoEvent): Promise<void>
  /**
   * Optional: hands several events to the bus at once, in order, resolving once it holds them
   * all. A bus that stores events remotely can send them together (the NATS bus packs a
   * partition's events into one message); without it the hub publishes one at a time.
   */
  publishAll?(events: readonly OmoEvent[]): Promise<void>
  /** Sets the one consumer (the hub pipeline). Must be called before {@link EventBus.start}. */
  consume(handler: EventHandler, onUndeliverable: UndeliverableHandler): void
  /** Starts delivering. */
  start(): Promise<void>
  /** Resolves once every event published so far has been handled. */
  drain(): Promise<void>
  /** Stops taking events, drains what was accepted, then stops delivering. */
  stop(): Promise<void>
}

