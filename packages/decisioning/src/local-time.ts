import { DateTime, IANAZone } from 'luxon'

/** Day-of-week names as rules write them, Monday first (ISO weekday 1 … 7). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

/** A day of the week as rules write it. */
export type Weekday = (typeof WEEKDAYS)[number]

/** Parses `HH:mm` (24 h) into minutes after midnight; undefined when malformed. */
export function parseClock(value: string): number | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim())
  if (!match) return undefined
  return Number(match[1]) * 60 + Number(match[2])
}

/** Whether `zone` is a valid IANA time zone name. */
export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone)
}

/** The local wall-clock facts rules read under `context.*`. */
export interface LocalTime {
  /** `HH:mm`, 24 h. */
  readonly localTime: string
  /** 0 … 23. */
  readonly localHour: number
  /** Minutes after local midnight. */
  readonly localMinutes: number
  /** `mon` … `sun`. */
  readonly dayOfWeek: Weekday
  /** `yyyy-MM-dd` in the zone. */
  readonly localDate: string
  /** The zone used. */
  readonly timeZone: string
}

/** Local wall-clock facts for the instant `at` (epoch ms) in `zone`. */
export function localTimeOf(at: number, zone: string): LocalTime {
  const dt = DateTime.fromMillis(at, { zone })
  return {
    localTime: dt.toFormat('HH:mm'),
    localHour: dt.hour,
    localMinutes: dt.hour * 60 + dt.minute,
    dayOfWeek: WEEKDAYS[dt.weekday - 1]!,
    localDate: dt.toISODate() ?? '',
    timeZone: zone,
  }
}

/**
 * The next instant after `at` when the local clock in `zone` shows `minutes` after midnight.
 * Where a daylight-saving jump skips that wall time, luxon moves it forward to the first valid
 * instant, so the result is always a real moment later than `at`.
 */
export function nextLocalTime(at: number, zone: string, minutes: number): number {
  const now = DateTime.fromMillis(at, { zone })
  const hour = Math.floor(minutes / 60)
  const minute = minutes % 60
  let candidate = now.set({ hour, minute, second: 0, millisecond: 0 })
  if (candidate.toMillis() <= at) candidate = now.plus({ days: 1 }).set({ hour, minute, second: 0, millisecond: 0 })
  return candidate.toMillis()
}

/** Whether local `minutes` falls in the window [from, to): a window with from > to wraps midnight. */
export function inWindow(minutes: number, from: number, to: number): boolean {
  if (from === to) return false
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to
}

/** Start of the customer's local day / ISO week containing `at`, as epoch ms. */
export function startOfLocal(at: number, zone: string, unit: 'day' | 'week'): number {
  return DateTime.fromMillis(at, { zone }).startOf(unit).toMillis()
}
