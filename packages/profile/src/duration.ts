import { ValidationError } from '@omotenashi/core'

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** A window such as `90d`, `12h`, `30m`, `2w`, `45s` or `500ms`. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/

/** Parses a window such as `90d` into milliseconds. @throws ValidationError on anything else. */
export function parseDuration(window: string): number {
  const match = DURATION_PATTERN.exec(window.trim())
  if (!match) throw new ValidationError('duration', [{ path: '', message: `"${window}" is not a duration such as "90d", "12h" or "30m"`, code: 'invalid_duration' }])
  return Number(match[1]) * UNITS[match[2]!]!
}
