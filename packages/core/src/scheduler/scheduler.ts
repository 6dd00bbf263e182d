import type { EventInput } from '../envelope.js'

/** A timer waiting to fire: when it does, its event is published to the hub. */
export interface ScheduledTimer {
  /** Unique id; scheduling the same id again replaces the timer (idempotent). */
  readonly id: string
  /** When it fires (ISO 8601, UTC). */
  readonly at: string
  /** The customer it belongs to, for listing and erasure. */
  readonly customerId?: string
  /** A group name, so a later event can cancel every timer of that kind for a customer. */
  readonly key?: string
  /** What is published when it fires. */
  readonly event: EventInput
}

/** What {@link Scheduler.schedule} takes. */
export interface TimerRequest {
  /** Timer id; generated when omitted. */
  readonly id?: string
  /** When to fire (Date, ISO string or epoch ms). */
  readonly at: Date | string | number
  /** The customer it belongs to. */
  readonly customerId?: string
  /** Group name for {@link Scheduler.cancelByKey}. */
  readonly key?: string
  /** The event to publish when it fires. */
  readonly event: EventInput
}

/** Publishes a due timer's event; resolving means it was accepted and the timer can go. */
export type FireTimer = (timer: ScheduledTimer) => Promise<void>

/**
 * The Scheduler port: timers that re-enter the pipeline as events, so a delayed step is
 * decided afresh when it fires. Implementations: {@link MemoryScheduler} (driven by the Clock)
 * and the durable ones in the store packages. Check yours with `describeSchedulerContract`.
 */
export interface Scheduler {
  /** Schedules (or replaces, by id) a timer. */
  schedule(request: TimerRequest): Promise<ScheduledTimer>
  /** Cancels one timer; false if there was none. */
  cancel(id: string): Promise<boolean>
  /** Cancels a customer's timers of one key; returns how many. */
  cancelByKey(customerId: string, key: string): Promise<number>
  /** A customer's pending timers, soonest first. */
  list(customerId: string): Promise<ScheduledTimer[]>
  /** Removes every timer of a customer (erasure). Returns how many. */
  eraseCustomer(customerId: string): Promise<number>
  /** Starts firing due timers through `fire`. */
  start(fire: FireTimer): Promise<void>
  /** Stops firing; pending timers are kept. */
  stop(): Promise<void>
}

/** Normalises a time given as Date, ISO string or epoch ms to epoch ms. */
export function toEpochMs(at: Date | string | number): number {
  const ms = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : new Date(at).getTime()
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: ${String(at)}`)
  return ms
}
