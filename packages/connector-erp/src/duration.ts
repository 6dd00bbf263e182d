/** Parses `500ms`, `30s`, `5m`, `1h`, `1d` (or a number of ms) into milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!(value > 0)) throw new RangeError('a duration must be positive')
    return value
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim())
  if (!m) throw new RangeError(`"${value}" is not a duration such as "30s", "5m" or "1h"`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  const ms = Number(m[1]) * unit
  if (!(ms > 0)) throw new RangeError('a duration must be positive')
  return ms
}
