/** Units a duration may use: `30s`, `15m`, `2h`, `30d`, `1w`, and combinations such as `1h30m`. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g

/**
 * Parses a duration such as `2h`, `30d` or `1h30m` into milliseconds; a number is taken as
 * milliseconds. Returns undefined when the text is not a duration (callers report the problem).
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const text = value.trim()
  if (!DURATION.test(text)) return undefined
  let ms = 0
  for (const match of text.matchAll(PART)) ms += Number(match[1]) * UNIT_MS[match[2]!]!
  return ms
}

/** Parses `HH:mm` (24 h) into minutes after midnight; undefined when malformed. */
export function parseClock(value: string): number | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim())
  if (!match) return undefined
  return Number(match[1]) * 60 + Number(match[2])
}
