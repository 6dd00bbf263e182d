import { ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import { DURATION_PATTERN, parseDuration } from './duration.js'
import { IdentifierRules, IdentifierRulesOptionsSchema } from './identifier-rules.js'

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Options of {@link ProfileRules}. */
export const ProfileRulesOptionsSchema = IdentifierRulesOptionsSchema.extend({
  /** Most activity facts kept per profile for computed traits (oldest dropped). Default 100. */
  maxActivity: z.number().int().positive().max(10_000).optional(),
  /** Most recent event ids remembered per profile for idempotency. Default 64. */
  maxAppliedEventIds: z.number().int().nonnegative().max(10_000).optional(),
  /** Most zero-party answers kept per profile (oldest dropped). Default 200. */
  maxAnswers: z.number().int().positive().max(10_000).optional(),
  /**
   * How far apart two sightings of a known identifier must be for `lastSeen` to move (a duration
   * such as `1m`). Coarser means fewer profile writes on the hot path; `0s` records every sighting.
   * Default `1m`.
   */
  lastSeenGranularity: z.string().regex(DURATION_PATTERN, 'must be a duration such as "1m" or "0s"').optional(),
  /** Time zone given to new profiles until a trait says otherwise, e.g. `Asia/Tokyo`. */
  defaultTimeZone: z.string().refine(isTimeZone, 'is not an IANA time zone').optional(),
})

/** Options of {@link ProfileRules}. */
export type ProfileRulesOptions = z.input<typeof ProfileRulesOptionsSchema>

/**
 * Everything that decides how profiles change: identifier rules plus the bounds the reducer
 * keeps. One instance is shared by the pipeline and the store so every store behaves the same.
 */
export class ProfileRules {
  /** Identifier normalisation and resolution rules. */
  readonly identifiers: IdentifierRules
  /** Most activity facts kept per profile. */
  readonly maxActivity: number
  /** Most recent event ids remembered per profile. */
  readonly maxAppliedEventIds: number
  /** Most answers kept per profile. */
  readonly maxAnswers: number
  /** Time zone of new profiles. */
  readonly defaultTimeZone: string | undefined
  /** Milliseconds between two sightings for `lastSeen` to move. */
  readonly lastSeenGranularityMs: number

  /** @throws ValidationError naming the option at fault. */
  constructor(options: ProfileRulesOptions = {}) {
    const parsed = ProfileRulesOptionsSchema.safeParse(options)
    if (!parsed.success) throw ValidationError.fromZod('profile rules', parsed.error)
    const { maxActivity, maxAppliedEventIds, maxAnswers, defaultTimeZone, lastSeenGranularity, ...identifierOptions } = parsed.data
    this.identifiers = new IdentifierRules(identifierOptions)
    this.maxActivity = maxActivity ?? 100
    this.maxAppliedEventIds = maxAppliedEventIds ?? 64
    this.maxAnswers = maxAnswers ?? 200
    this.defaultTimeZone = defaultTimeZone
    this.lastSeenGranularityMs = parseDuration(lastSeenGranularity ?? '1m')
  }
}
