import { DURATION_PATTERN, EVENT_TYPE_PATTERN } from '@omotenashi/core'
import * as z from 'zod'
import type { InterestKind } from '@omotenashi/profile'

// Kept here as a value (the profile package exports the type) so rules validate without loading it.
const INTEREST_KINDS = ['viewed', 'carted', 'tried_on', 'purchased', 'returned'] as const satisfies readonly InterestKind[]

/** The rule-file format version this package reads. */
export const RULES_FORMAT_VERSION = 1

const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/i, 'must be letters, digits, ".", "_" or "-" (max 128)')
const eventType = z.string().regex(EVENT_TYPE_PATTERN, 'must be an event type such as "store.checked_in"')
const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as "30m", "2h" or "30d"')
const clock = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'must be a local time "HH:mm"')
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)])

/**
 * A condition tree. Its operators are checked (and compiled) by the rule compiler, which reports
 * every problem with its path; here it only has to be an object.
 */
export const ConditionSchema = z.record(z.string(), z.unknown())

/** A condition, as written in a rule. See docs/rules.md for the operators. */
export type ConditionSpec = Readonly<Record<string, unknown>>

/** A value: a literal, or `{ ref: "data.sku" }` to read it from the facts. */
export const ValueSchema = z.unknown()

/** How a rule treats quiet hours: move the send to the end of them, drop it, or ignore them. */
export const QuietHoursModeSchema = z.enum(['defer', 'drop', 'ignore'])

/** When a rule fires. */
export const WhenSchema = z.strictObject({
  /** Event type(s) that trigger it. */
  event: oneOrMany(eventType).optional(),
  /** Placement(s) it answers for pull decisions (`web.home_hero`, `callcenter.agent`). */
  placement: oneOrMany(z.string().min(1).max(200)).optional(),
  /** Conditions on the event, profile and context, checked when the trigger arrives. */
  if: ConditionSchema.optional(),
})

/** Fan-out from an item to the people interested in it (product-level triggers). */
export const AudienceSchema = z.strictObject({
  /** The interest: `viewed`, `carted`, `tried_on`, `purchased`, `returned`. */
  interest: z.enum(INTEREST_KINDS),
  /** The item: usually `{ ref: data.sku }`. */
  item: ValueSchema,
  /** Only interests at most this old. */
  within: duration.optional(),
  /** Leave out people with this interest in the item since (e.g. `purchased`). */
  unless: z.enum(INTEREST_KINDS).optional(),
  /** Most people one trigger may reach. Default: the module's `maxAudience`. */
  limit: z.number().int().positive().optional(),
})

/** An event that cancels a waiting rule ("the order was picked up", "X was bought"). */
export const CancelOnSchema = z.strictObject({
  /** The cancelling event type. */
  event: eventType,
  /** Only when it concerns the same item: a path into the waiting event (e.g. `data.sku`). */
  sameItem: z.string().min(1).optional(),
  /** Only when this path has the same value in both events (e.g. `data.orderId`). */
  same: z.string().min(1).optional(),
})

/** A delay before acting: "in 2h", "at the next 18:00 local", cancelled by events. */
export const WaitSchema = z
  .strictObject({
    /** Act after this long. */
    for: duration.optional(),
    /** Act at the next occurrence of this local time (`18:00`) in the customer's zone. */
    at: clock.optional(),
    /** With `at`: what to do if that time today has passed (`next` day, `skip`, or act `now`). Default `next`. */
    ifPassed: z.enum(['next', 'skip', 'now']).optional(),
    /** Events that cancel the wait. */
    cancelOn: z.array(CancelOnSchema).optional(),
    /** Conditions re-checked when the wait ends (the profile then, not as it was). */
    if: ConditionSchema.optional(),
    /** Drop the action if the timer fires later than this after it was due (timing is part of the rule). */
    expireAfter: duration.optional(),
  })
  .refine((w) => (w.for === undefined) !== (w.at === undefined), { message: 'give exactly one of "for" or "at"' })

/** What a rule proposes. */
export const DoSchema = z
  .strictObject({
    /** One action from the catalogue. */
    action: slug.optional(),
    /** Several: next-best-action arbitration picks among them. */
    actions: z.array(slug).min(1).optional(),
    /** Channels in order of preference (overrides the action's). */
    channels: z.array(slug).min(1).optional(),
    /** Quiet-hours handling (overrides the action's). */
    quietHours: QuietHoursModeSchema.optional(),
    /** Context weight of this rule's proposals (Pega's context weight). Default 1. */
    weight: z.number().nonnegative().optional(),
    /** The item the action promotes (for suppression and attribution), e.g. `{ ref: data.sku }`. */
    item: ValueSchema.optional(),
    /** Values for the message templates, by name. */
    variables: z.record(z.string(), ValueSchema).optional(),
  })
  .refine((d) => (d.action === undefined) !== (d.actions === undefined), { message: 'give exactly one of "action" or "actions"' })

/** One rule. */
export const RuleSchema = z
  .strictObject({
    /** Unique id. */
    id: slug,
    /** Revision of this rule, recorded with its decisions. */
    version: z.number().int().positive().optional(),
    /** What it is for. */
    description: z.string().max(2000).optional(),
    /** Off switch. Default true. */
    enabled: z.boolean().optional(),
    when: WhenSchema,
    audience: AudienceSchema.optional(),
    wait: WaitSchema.optional(),
    do: DoSchema,
  })
  .superRefine((rule, ctx) => {
    const triggers = (rule.when.event === undefined ? 0 : 1) + (rule.when.placement === undefined ? 0 : 1)
    if (triggers !== 1) ctx.addIssue({ code: 'custom', path: ['when'], message: 'give exactly one of "event" or "placement"' })
    if (rule.when.placement !== undefined && (rule.wait !== undefined || rule.audience !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['when', 'placement'], message: 'pull rules (placement) cannot wait or fan out' })
    }
  })

/** One rule, as written (input of {@link RuleSchema}). */
export type RuleSpec = z.input<typeof RuleSchema>

/** Message content for one locale. */
export const ContentSchema = z.strictObject({
  title: z.string().max(2000).optional(),
  text: z.string().max(20_000).optional(),
  url: z.string().max(4000).optional(),
  template: z.string().max(200).optional(),
  /** Channel-specific extras passed through (LINE quick replies, email html…). */
  extra: z.record(z.string(), z.unknown()).optional(),
})

/** Message content for one locale. */
export type ContentSpec = z.infer<typeof ContentSchema>

/** Content by locale (`ja`, `en`, `default`), or one content for every locale. */
export const LocalisedContentSchema = z.union([ContentSchema, z.record(z.string(), ContentSchema)])

/** An action (offer) in the catalogue. */
export const ActionSchema = z.strictObject({
  id: slug,
  /** Human name for consoles. */
  name: z.string().max(500).optional(),
  /** `message`: to the customer. `staff`: guidance for store staff or agents (no customer caps). Default `message`. */
  kind: z.enum(['message', 'staff']).optional(),
  /** Channels in order of preference. */
  channels: z.array(slug).optional(),
  /** Content per channel (`default` for all) and locale. */
  content: z.record(z.string(), LocalisedContentSchema).optional(),
  /** Business value. Default 1. */
  value: z.number().nonnegative().optional(),
  /** Business lever (a multiplier marketers turn). Default 1. */
  lever: z.number().nonnegative().optional(),
  /** Tie-breaker: higher first. Default 0. */
  priority: z.number().optional(),
  /** Fixed propensity instead of the learnt one (0 … 1). */
  propensity: z.number().min(0).max(1).optional(),
  /** Who may get it. */
  eligibility: ConditionSchema.optional(),
  /** Valid from (ISO instant). */
  validFrom: z.iso.datetime({ offset: true }).optional(),
  /** Valid until (ISO instant). */
  validUntil: z.iso.datetime({ offset: true }).optional(),
  /** Not again to the same customer within this. */
  cooldown: duration.optional(),
  /** At most this many times per customer (ever, or within `maxPerCustomerWithin`). */
  maxPerCustomer: z.number().int().positive().optional(),
  maxPerCustomerWithin: duration.optional(),
  /** Share of customers held out (0 … 1), by a stable hash of customer × action. */
  holdout: z.number().min(0).max(1).optional(),
  /** Quiet-hours handling. Default `defer`. */
  quietHours: QuietHoursModeSchema.optional(),
  /** Consent purpose checked. Default `marketing`. */
  purpose: z.string().max(100).optional(),
  /** The item it promotes, e.g. `{ ref: data.sku }` (suppression and attribution). */
  item: ValueSchema.optional(),
  /** When the customer bought the promoted item recently, propose this action instead (e.g. staff "ask how they like it"). */
  insteadIfBought: slug.optional(),
  /** Placements that may show it (pull). Default: any. */
  placements: z.array(z.string()).optional(),
})

/** An action as written. */
export type ActionSpec = z.input<typeof ActionSchema>

const capSchema = z.strictObject({ day: z.number().int().nonnegative().optional(), week: z.number().int().nonnegative().optional() })

/** Contact policies. */
export const PoliciesSchema = z.strictObject({
  /** Caps on customer-facing messages, overall and per channel, counted in the customer's time zone. */
  caps: z
    .strictObject({
      overall: capSchema.optional(),
      perChannel: z.record(z.string(), capSchema).optional(),
    })
    .optional(),
  /** Local quiet hours, e.g. `{ from: "21:00", to: "08:00" }`. */
  quietHours: z.strictObject({ from: clock, to: clock }).optional(),
  /** One moment, one message: no second customer message within this. Default `30m`. */
  moment: duration.optional(),
  /** Do not promote an item bought within this. Default `30d`. */
  boughtWithin: duration.optional(),
  /** Time zone for customers without one. Default `Asia/Tokyo`. */
  defaultTimeZone: z.string().optional(),
  /** Locale for customers without one. Default `ja`. */
  defaultLocale: z.string().optional(),
})

/** Contact policies as written. */
export type PoliciesSpec = z.input<typeof PoliciesSchema>

/** A rule file: one rule, a list of rules, or a document with rules, actions and segments. */
export const RuleDocumentSchema = z.strictObject({
  /** Format version. Default 1. */
  version: z.literal(RULES_FORMAT_VERSION).optional(),
  rules: z.array(z.unknown()).optional(),
  actions: z.array(z.unknown()).optional(),
  /** Named segments: condition trees usable as `{ segment: name }`. */
  segments: z.record(slug, ConditionSchema).optional(),
})
