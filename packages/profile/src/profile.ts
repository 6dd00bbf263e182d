import * as z from 'zod'

/** What a profile remembers about an item for one kind of interest. */
export const INTEREST_KINDS = ['viewed', 'carted', 'tried_on', 'purchased', 'returned'] as const

/** A kind of interest in an item. */
export type InterestKind = (typeof INTEREST_KINDS)[number]

/** One identifier value known for a profile. */
export const IdentifierRecordSchema = z.object({
  value: z.string(),
  firstSeen: z.iso.datetime({ offset: true }),
  lastSeen: z.iso.datetime({ offset: true }),
})

/** One identifier value known for a profile. */
export type IdentifierRecord = z.infer<typeof IdentifierRecordSchema>

/** A trait value with where and when it came from. */
export const TraitSchema = z.object({ value: z.unknown(), source: z.string(), at: z.iso.datetime({ offset: true }) })

/** A trait value with where and when it came from. */
export type Trait = z.infer<typeof TraitSchema>

/** Consent for one channel and purpose. */
export const ConsentSchema = z.object({ granted: z.boolean(), source: z.string(), at: z.iso.datetime({ offset: true }) })

/** Consent for one channel and purpose. */
export type Consent = z.infer<typeof ConsentSchema>

/** Whether a channel can reach the customer right now. */
export const ReachabilitySchema = z.object({
  reachable: z.boolean(),
  reason: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
})

/** Whether a channel can reach the customer right now. */
export type Reachability = z.infer<typeof ReachabilitySchema>

/** A zero-party answer: what the customer told us, when and where. */
export const AnswerSchema = z.object({
  surveyId: z.string(),
  questionId: z.string(),
  question: z.string().optional(),
  answer: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
  at: z.iso.datetime({ offset: true }),
  source: z.string(),
  storeId: z.string().optional(),
})

/** A zero-party answer. */
export type Answer = z.infer<typeof AnswerSchema>

/** A fact kept for computed traits: one event reduced to what aggregates need. */
export const ActivitySchema = z.object({
  type: z.string(),
  at: z.iso.datetime({ offset: true }),
  value: z.number().optional(),
  storeId: z.string().optional(),
  sku: z.string().optional(),
})

/** A fact kept for computed traits. */
export type Activity = z.infer<typeof ActivitySchema>

/**
 * The unified customer profile. Stores persist it whole; the reducer in this package is the
 * only code that changes it, so every store behaves the same.
 */
export const ProfileSchema = z.object({
  /** Stable customer id. */
  id: z.string(),
  /** Incremented on every change (optimistic concurrency). */
  version: z.number().int().nonnegative(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Identifiers by kind, most recently seen first. */
  identifiers: z.record(z.string(), z.array(IdentifierRecordSchema)),
  /** Traits by name. */
  traits: z.record(z.string(), TraitSchema),
  /** Consent by channel, then by purpose (`*` = any purpose). */
  consent: z.record(z.string(), z.record(z.string(), ConsentSchema)),
  /** Reachability by channel. */
  reachability: z.record(z.string(), ReachabilitySchema),
  /** IANA time zone, e.g. `Asia/Tokyo`. */
  timeZone: z.string().optional(),
  /** BCP 47 locale, e.g. `ja-JP`. */
  locale: z.string().optional(),
  /** Interests by SKU, then by kind: the last time (ISO). */
  interests: z.record(z.string(), z.partialRecord(z.enum(INTEREST_KINDS), z.iso.datetime({ offset: true }))),
  /** Zero-party answers, oldest first. */
  answers: z.array(AnswerSchema),
  /** Recent activity kept for computed traits (bounded). */
  activity: z.array(ActivitySchema),
  /** Ids of profiles merged into this one. */
  mergedFrom: z.array(z.string()),
  /**
   * Ids of the most recent events applied (bounded, oldest first), so a redelivered event changes
   * nothing. Optional: a store may track applied ids elsewhere.
   */
  appliedEventIds: z.array(z.string()).optional(),
})

/** The unified customer profile. See {@link ProfileSchema}. */
export type Profile = z.infer<typeof ProfileSchema>
