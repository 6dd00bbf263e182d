import { ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import { DURATION_PATTERN, parseDuration } from './duration.js'
import type { Activity, Profile } from './profile.js'

/** The aggregates a computed trait can take over activity. */
export const AGGREGATES = ['count', 'sum', 'min', 'max', 'avg', 'first', 'last', 'distinct'] as const

/** An aggregate a computed trait can take. */
export type Aggregate = (typeof AGGREGATES)[number]

/** The activity fields an aggregate can read. */
export const ACTIVITY_FIELDS = ['value', 'at', 'storeId', 'sku', 'type'] as const

/**
 * A computed trait: an aggregate over the profile's activity of some event types within a
 * window, evaluated when read (so "in the last 90 days" is always relative to now).
 */
export const ComputedTraitSchema = z
  .object({
    /** Trait name, e.g. `purchases_90d`. */
    name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'must be letters, digits and _ (max 64)'),
    /** The aggregate. `first`/`last` give the field of the earliest/latest fact (default `at`); `distinct` counts distinct values (default `storeId`). */
    aggregate: z.enum(AGGREGATES),
    /** Event types the aggregate reads, e.g. `['pos.purchased', 'order.placed']`. */
    events: z.array(z.string().min(1)).min(1),
    /** The field aggregated: `value` (a purchase's total…) for sum/min/max/avg. */
    field: z.enum(ACTIVITY_FIELDS).optional(),
    /** Only activity within this window before now, e.g. `90d`, `12h`. Default: all activity kept. */
    window: z.string().regex(DURATION_PATTERN, 'must be a duration such as "90d", "12h" or "30m"').optional(),
  })
  .superRefine((value, ctx) => {
    const numeric = ['sum', 'min', 'max', 'avg'].includes(value.aggregate)
    if (numeric && value.field !== undefined && value.field !== 'value' && value.field !== 'at') {
      ctx.addIssue({ code: 'custom', path: ['field'], message: `${value.aggregate} needs a numeric field ("value" or "at")` })
    }
  })

/** A computed trait definition. See {@link ComputedTraitSchema}. */
export type ComputedTrait = z.infer<typeof ComputedTraitSchema>

/** Validates computed trait definitions. @throws ValidationError naming the definition and field. */
export function defineComputedTraits(definitions: readonly unknown[]): ComputedTrait[] {
  const parsed = z.array(ComputedTraitSchema).safeParse(definitions)
  if (!parsed.success) throw ValidationError.fromZod('computed traits', parsed.error)
  const names = new Set<string>()
  for (const [i, d] of parsed.data.entries()) {
    if (names.has(d.name)) throw new ValidationError('computed traits', [{ path: `${i}.name`, message: `"${d.name}" is defined twice`, code: 'custom' }])
    names.add(d.name)
  }
  return parsed.data
}

/** The value of a computed trait: a number, an ISO instant, a string, or undefined when no activity matched. */
export type ComputedValue = number | string | undefined

function read(fact: Activity, field: (typeof ACTIVITY_FIELDS)[number]): number | string | undefined {
  return fact[field]
}

/** Evaluates one computed trait against `now` (epoch ms). */
export function computeTrait(profile: Pick<Profile, 'activity'>, definition: ComputedTrait, now: number): ComputedValue {
  const from = definition.window === undefined ? Number.NEGATIVE_INFINITY : now - parseDuration(definition.window)
  const types = new Set(definition.events)
  const facts = profile.activity.filter((a) => {
    if (!types.has(a.type)) return false
    const t = Date.parse(a.at)
    return t >= from && t <= now
  })
  switch (definition.aggregate) {
    case 'count':
      return facts.length
    case 'distinct': {
      const field = definition.field ?? 'storeId'
      return new Set(facts.map((f) => read(f, field)).filter((v) => v !== undefined)).size
    }
    case 'first':
    case 'last': {
      // Activity is kept in time order, so the first and last facts are the earliest and latest.
      const fact = definition.aggregate === 'first' ? facts[0] : facts[facts.length - 1]
      return fact === undefined ? undefined : read(fact, definition.field ?? 'at')
    }
    default: {
      const field = definition.field ?? 'value'
      const numbers = facts
        .map((f) => (field === 'at' ? Date.parse(f.at) : f.value))
        .filter((v): v is number => typeof v === 'number')
      if (definition.aggregate === 'sum') return numbers.reduce((s, v) => s + v, 0)
      if (numbers.length === 0) return undefined
      const result =
        definition.aggregate === 'min' ? Math.min(...numbers) : definition.aggregate === 'max' ? Math.max(...numbers) : numbers.reduce((s, v) => s + v, 0) / numbers.length
      return field === 'at' ? new Date(result).toISOString() : result
    }
  }
}

/**
 * Evaluates computed traits against `now` (epoch ms, e.g. `clock.now()`).
 *
 * @example
 * ```ts
 * const traits = computeTraits(profile, [
 *   { name: 'purchases_90d', aggregate: 'count', events: ['pos.purchased', 'order.placed'], window: '90d' },
 *   { name: 'avgBasket', aggregate: 'avg', events: ['pos.purchased', 'order.placed'] },
 *   { name: 'lastStoreVisitAt', aggregate: 'last', events: ['store.checked_in'] },
 * ], clock.now())
 * ```
 */
export function computeTraits(profile: Pick<Profile, 'activity'>, definitions: readonly ComputedTrait[], now: number): Record<string, ComputedValue> {
  const out: Record<string, ComputedValue> = {}
  for (const d of definitions) out[d.name] = computeTrait(profile, d, now)
  return out
}
