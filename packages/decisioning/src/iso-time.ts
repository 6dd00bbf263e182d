let lastMs = Number.NaN
let lastIso = ''

/**
 * `new Date(ms).toISOString()`, remembered for the last instant: every decision and pull event
 * stamps its time, and those made in the same millisecond (or on a virtual clock) share one string.
 * Internal to the package (not re-exported).
 */
export function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}
