import { ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import { INTEREST_KINDS, type Profile } from './profile.js'
import type { InterestQuery } from './profile-store.js'
import { parseDuration } from './duration.js'

/** Schema of an {@link InterestQuery}, for stores and HTTP boundaries. */
export const InterestQuerySchema = z.object({
  kind: z.enum(INTEREST_KINDS),
  sku: z.string().min(1).max(200),
  since: z.iso.datetime({ offset: true }).optional(),
  unless: z.enum(INTEREST_KINDS).optional(),
})

/** Validates an interest query. @throws ValidationError naming the field. */
export function parseInterestQuery(query: unknown): InterestQuery {
  const parsed = InterestQuerySchema.safeParse(query)
  if (!parsed.success) throw ValidationError.fromZod('interest query', parsed.error)
  // zod types optional fields as `T | undefined`; absent and undefined mean the same here.
  return parsed.data as InterestQuery
}

/**
 * Whether a profile matches an interest query: it has interest `kind` in `sku` at or after
 * `since`, and no `unless` interest in the same item at or after that time (tried on, then not
 * bought since). Every store filters with this, so the semantics are the same everywhere.
 */
export function matchesInterest(profile: Pick<Profile, 'interests'>, query: InterestQuery): boolean {
  const kinds = profile.interests[query.sku]
  const at = kinds?.[query.kind]
  if (at === undefined) return false
  const time = Date.parse(at)
  if (query.since !== undefined && time < Date.parse(query.since)) return false
  if (query.unless !== undefined) {
    const later = kinds?.[query.unless]
    if (later !== undefined && Date.parse(later) >= time) return false
  }
  return true
}

/** The `since` of a query for a window ending now, e.g. `sinceWindow('30d', clock.now())`. */
export function sinceWindow(window: string, now: number): string {
  return new Date(now - parseDuration(window)).toISOString()
}
