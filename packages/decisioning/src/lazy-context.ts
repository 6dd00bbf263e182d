import { localTimeOf, type LocalTime, type Weekday } from './local-time.js'

/**
 * The `context.*` facts, with the local-time parts computed only when a rule reads one: most
 * rules never look at the clock, and time-zone arithmetic is the costliest fact to build.
 */
export class LazyContext {
  readonly now: number
  readonly timeZone: string
  store?: string
  placement?: string
  #local: LocalTime | undefined;
  [key: string]: unknown

  constructor(now: number, timeZone: string) {
    this.now = now
    this.timeZone = timeZone
  }

  #time(): LocalTime {
    return (this.#local ??= localTimeOf(this.now, this.timeZone))
  }

  get localTime(): string {
    return this.#time().localTime
  }

  get localHour(): number {
    return this.#time().localHour
  }

  get localMinutes(): number {
    return this.#time().localMinutes
  }

  get dayOfWeek(): Weekday {
    return this.#time().dayOfWeek
  }

  get localDate(): string {
    return this.#time().localDate
  }
}
