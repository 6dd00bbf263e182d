import * as z from 'zod'
import { ValidationError } from '../errors.js'

/** Milliseconds in each unit a duration may use. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * A duration as text: one or more parts such as `500ms`, `30s`, `5m`, `2h`, `90d` or `2w`, so
 * `1h30m` is 90 minutes. White space between a number and its unit (`30 s`) is allowed because
 * hand-written config files carry it. Use it in zod schemas that keep the text.
 */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$/

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g

/** How {@link parseDuration} reads a value. */
export interface ParseDurationOptions {
  /** The option or field the value came from, named in the error. Default: none (the value alone). */
  readonly field?: string
  /** Refuse zero: an interval of 0 would poll in a tight loop. Default false (`0s` is a valid window). */
  readonly positive?: boolean
}

/**
 * Why `value` is not a duration, or undefined when it is one. For callers that collect every
 * problem before reporting (rule files, zod refinements) instead of stopping at the first.
 */
export function durationProblem(value: unknown, options: Pick<ParseDurationOptions, 'positive'> = {}): string | undefined {
  const ms = toMs(value)
  if (typeof ms === 'string') return ms
  if (options.positive && ms === 0) return 'must be longer than zero'
  return undefined
}

/**
 * Parses a duration into milliseconds: text such as `30s`, `5m`, `2h`, `90d`, `2w` or `1h30m`
 * (see {@link DURATION_PATTERN}), or a number taken as milliseconds.
 * @throws ValidationError naming `options.field` and the reason when the value is not a
 * duration, is negative, or is zero while `options.positive` is set.
 */
export function parseDuration(value: string | number, options: ParseDurationOptions = {}): number {
  const problem = durationProblem(value, options)
  if (problem !== undefined) throw new ValidationError('duration', [{ path: options.field ?? '', message: problem, code: 'invalid_duration' }])
  return toMs(value) as number
}

/**
 * A zod schema for a duration option given as text (`"30s"`) or milliseconds, output in
 * milliseconds. Options take a duration in either form; code downstream wants a number.
 */
export function durationOption(options: Pick<ParseDurationOptions, 'positive'> = {}): z.ZodType<number, string | number> {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const problem = durationProblem(value, options)
    if (problem === undefined) return toMs(value) as number
    ctx.addIssue({ code: 'custom', message: problem })
    return z.NEVER
  })
}

/** Milliseconds, or the reason the value is not a duration. */
function toMs(value: unknown): number | string {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : `${value} is not a number of milliseconds (0 or more)`
  const text = typeof value === 'string' ? value.trim() : ''
  if (!DURATION_PATTERN.test(text)) return `${JSON.stringify(typeof value === 'string' ? value.slice(0, 40) : value) ?? String(value)} is not a duration such as "30s", "5m", "2h" or "90d"`
  let ms = 0
  for (const match of text.matchAll(PART)) ms += Number(match[1]) * UNIT_MS[match[2]!]!
  return ms
}
