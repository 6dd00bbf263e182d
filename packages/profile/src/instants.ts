/**
 * Compares two ISO 8601 instants: negative when `a` is earlier. Canonical UTC strings
 * (`2026-03-01T09:00:00.000Z`, what the hub produces) compare as text, which is an order of
 * magnitude faster than parsing; anything else (offsets, other precisions) is parsed.
 */
export function compareInstants(a: string, b: string): number {
  if (a.length === 24 && b.length === 24 && a.charCodeAt(23) === 90 && b.charCodeAt(23) === 90) return a < b ? -1 : a > b ? 1 : 0
  return Date.parse(a) - Date.parse(b)
}

/** The later of two ISO instants (compared as instants, not strings: offsets may differ). */
export function laterOf(a: string, b: string): string {
  return compareInstants(b, a) > 0 ? b : a
}

/** The earlier of two ISO instants. */
export function earlierOf(a: string, b: string): string {
  return compareInstants(b, a) < 0 ? b : a
}

/** Whether instant `a` is strictly after `b`. */
export function isAfter(a: string, b: string): boolean {
  return compareInstants(a, b) > 0
}

/** Whether `iso` has the canonical UTC form `YYYY-MM-DDTHH:mm:ss.sssZ` (by length and the final `Z`). */
function isCanonicalForm(iso: string): boolean {
  return iso.length === 24 && iso.charCodeAt(23) === 90
}

/** Milliseconds into the hour of a canonical instant, read from its `mm:ss.sss` digits. */
function msIntoHour(iso: string): number {
  const d = (i: number): number => iso.charCodeAt(i) - 48
  return ((d(14) * 10 + d(15)) * 60 + d(17) * 10 + d(18)) * 1000 + d(20) * 100 + d(21) * 10 + d(22)
}

/**
 * Milliseconds from instant `from` to instant `to` (negative when `to` is earlier). Two canonical
 * UTC strings within the same hour (the usual case for successive sightings) are read from their
 * digits; anything else is parsed, which costs about ten times as much.
 */
export function elapsedMs(from: string, to: string): number {
  if (isCanonicalForm(from) && isCanonicalForm(to)) {
    let sameHour = true
    for (let i = 12; i >= 0; i--) {
      if (from.charCodeAt(i) !== to.charCodeAt(i)) {
        sameHour = false
        break
      }
    }
    if (sameHour) return msIntoHour(to) - msIntoHour(from)
  }
  return Date.parse(to) - Date.parse(from)
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The epoch milliseconds of an instant written exactly in canonical UTC form
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`, what `toISOString` gives for years 1000–9999), else undefined.
 * Reading the digits costs a tenth of `Date.parse`; the ranges are checked, so any string it
 * accepts round-trips through `new Date(ms).toISOString()` unchanged.
 */
export function canonicalMillis(iso: string): number | undefined {
  if (iso.length !== 24 || iso.charCodeAt(23) !== 90) return undefined
  let bad = false
  const d = (i: number): number => {
    const c = iso.charCodeAt(i) - 48
    if (c < 0 || c > 9) bad = true
    return c
  }
  const sep = (i: number, code: number): void => {
    if (iso.charCodeAt(i) !== code) bad = true
  }
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)
  const month = d(5) * 10 + d(6)
  const day = d(8) * 10 + d(9)
  const hour = d(11) * 10 + d(12)
  const minute = d(14) * 10 + d(15)
  const second = d(17) * 10 + d(18)
  const ms = d(20) * 100 + d(21) * 10 + d(22)
  sep(4, 45)
  sep(7, 45)
  sep(10, 84)
  sep(13, 58)
  sep(16, 58)
  sep(19, 46)
  if (bad || year < 1000 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined
  return Date.UTC(year, month - 1, day, hour, minute, second, ms)
}
