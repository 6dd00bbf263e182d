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
