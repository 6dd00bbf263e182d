import { ValidationError, type Identity, type ValidationIssue } from '@omotenashi/core'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'
import * as z from 'zod'
import type { RefusedLink } from './profile-store.js'

/** One identifier after normalisation: `kind` and canonical `value`. */
export interface IdentifierRef {
  readonly kind: string
  readonly value: string
}

/** The index key of an identifier (`kind:value`): what stores look identifiers up by. */
export function identifierKey(kind: string, value: string): string {
  return `${kind}:${value}`
}

/** Splits an {@link identifierKey} into kind and value (kind names never contain `:`, values may). */
export function splitIdentifierKey(key: string): [kind: string, value: string] {
  const colon = key.indexOf(':')
  return [key.slice(0, colon), key.slice(colon + 1)]
}

/** How one identifier kind is resolved. Every field is optional; see {@link DEFAULT_KIND_RULES}. */
export const KindRuleSchema = z.object({
  /** At most one value of this kind per person: two profiles with different values never merge. */
  unique: z.boolean().optional(),
  /** At most this many values per profile; the least recently seen are dropped (and unlinked). */
  maxPerProfile: z.number().int().positive().optional(),
  /**
   * Which profile survives a merge (the one holding the higher-priority kind) and which profile an
   * event belongs to when its identifiers point to profiles that may not merge. Higher wins.
   */
  priority: z.number().optional(),
  /** Values that never link anything (shared store tablets, test addresses). Compared after normalisation. */
  blocked: z.array(z.string()).optional(),
  /** Validates and normalises values of a custom kind: returns the canonical string or fails. */
  schema: z.custom<z.ZodType<string, string>>((value) => value instanceof z.ZodType, 'must be a zod schema').optional(),
})

/** How one identifier kind is resolved. */
export type KindRule = z.infer<typeof KindRuleSchema>

/** Options of {@link IdentifierRules}. */
export const IdentifierRulesOptionsSchema = z.object({
  /** Region used to read phone numbers written without a country code (ISO 3166 alpha-2). Default `JP`. */
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as "JP"')
    .optional(),
  /** Rules per kind, merged over {@link DEFAULT_KIND_RULES} (a custom kind needs no entry). */
  kinds: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'is not a valid identifier kind name'), KindRuleSchema).optional(),
})

/** Options of {@link IdentifierRules}. */
export type IdentifierRulesOptions = z.input<typeof IdentifierRulesOptionsSchema>

/**
 * The rules every hub starts from. Loyalty and POS customer ids are unique per person (a card is
 * one person's); anonymous ids and device tokens are bounded (browsers and phones come and go);
 * the most stable identifiers win merges; `test@example.com` never links anyone.
 */
export const DEFAULT_KIND_RULES: Readonly<Record<string, KindRule>> = {
  loyaltyId: { unique: true, priority: 100 },
  posCustomerId: { unique: true, priority: 90 },
  lineUserId: { priority: 80 },
  email: { priority: 70, blocked: ['test@example.com'] },
  phone: { priority: 60 },
  deviceToken: { priority: 20, maxPerProfile: 10 },
  anonymousId: { priority: 10, maxPerProfile: 20 },
}

/** Priority of a custom kind with no rule: between phone numbers and device tokens. */
const CUSTOM_PRIORITY = 50

/** The outcome of {@link IdentifierRules.normalise}: identifiers to link, and values refused as blocked. */
export interface NormalisedIdentity {
  /** A `customerId` the event named directly, if any. */
  readonly customerId: string | undefined
  /** Identifiers to resolve, canonical, blocked values removed, highest priority first. */
  readonly identifiers: readonly IdentifierRef[]
  /** Identifiers that were blocked. */
  readonly refused: readonly RefusedLink[]
}

const LINE_USER_ID = /^U[0-9a-f]{32}$/
// The regex z.email() uses, tested directly: a schema parse per event costs more than the test.
const EMAIL = z.regexes.email
/** Phone numbers parsed recently (parsing costs tens of microseconds; the same numbers recur). */
const PHONE_MEMO_SIZE = 10_000

interface ResolvedKindRule {
  readonly unique: boolean
  readonly maxPerProfile: number | undefined
  readonly priority: number
  readonly blocked: ReadonlySet<string>
  readonly schema: z.ZodType<string, string> | undefined
}

/**
 * Identifier normalisation and resolution rules per kind. Immutable; shared by every
 * {@link ProfileStore} so that memory, PostgreSQL and Redis resolve identically.
 */
export class IdentifierRules {
  /** Region for phone numbers without a country code. */
  readonly defaultRegion: CountryCode
  readonly #kinds = new Map<string, ResolvedKindRule>()
  readonly #phones = new Map<string, { ok: true; value: string } | { ok: false; message: string }>()
  readonly #fallback: ResolvedKindRule = { unique: false, maxPerProfile: undefined, priority: CUSTOM_PRIORITY, blocked: new Set(), schema: undefined }

  /** @throws ValidationError naming the option at fault. */
  constructor(options: IdentifierRulesOptions = {}) {
    const parsed = IdentifierRulesOptionsSchema.safeParse(options)
    if (!parsed.success) throw ValidationError.fromZod('identifier rules', parsed.error)
    this.defaultRegion = (parsed.data.defaultRegion ?? 'JP') as CountryCode
    const names = new Set([...Object.keys(DEFAULT_KIND_RULES), ...Object.keys(parsed.data.kinds ?? {})])
    for (const kind of names) {
      const rule = { ...DEFAULT_KIND_RULES[kind], ...parsed.data.kinds?.[kind] }
      const resolved: ResolvedKindRule = {
        unique: rule.unique ?? false,
        maxPerProfile: rule.maxPerProfile,
        priority: rule.priority ?? CUSTOM_PRIORITY,
        blocked: new Set(),
        schema: rule.schema,
      }
      this.#kinds.set(kind, resolved)
      // Blocked values are normalised like identifiers so `Test@Example.com` blocks too.
      for (const value of rule.blocked ?? []) {
        const canonical = this.#normaliseValue(kind, value)
        ;(resolved.blocked as Set<string>).add(canonical.ok ? canonical.value : value)
      }
    }
  }

  /** Whether a kind allows one value per person. */
  isUnique(kind: string): boolean {
    return this.#rule(kind).unique
  }

  /** The most values of a kind a profile keeps, or undefined for no limit. */
  maxPerProfile(kind: string): number | undefined {
    return this.#rule(kind).maxPerProfile
  }

  /** The priority of a kind (higher wins merges). */
  priority(kind: string): number {
    return this.#rule(kind).priority
  }

  /** Whether a canonical value of `kind` is blocked from linking. */
  isBlocked(kind: string, value: string): boolean {
    return this.#rule(kind).blocked.has(value)
  }

  /** Kinds with a rule (built in or configured). */
  kinds(): string[] {
    return [...this.#kinds.keys()]
  }

  /** Normalises one value of `kind`. @throws ValidationError naming the kind and the reason. */
  normaliseOne(kind: string, value: string): string {
    const result = this.#normaliseValue(kind, value)
    if (!result.ok) throw new ValidationError('identity', [{ path: `identity.${kind}`, message: result.message, code: 'invalid_identifier' }])
    return result.value
  }

  /**
   * Normalises every identifier of an identity, removes blocked values (reported as refused) and
   * orders the rest by priority. @throws ValidationError listing every malformed identifier.
   */
  normalise(identity: Identity): NormalisedIdentity {
    const issues: ValidationIssue[] = []
    const identifiers: IdentifierRef[] = []
    const refused: RefusedLink[] = []
    // for…in rather than identifiersOf (the same selection): no arrays per event on the hot path.
    for (const kind in identity) {
      const raw = (identity as Readonly<Record<string, unknown>>)[kind]
      if (kind === 'customerId' || typeof raw !== 'string' || !Object.hasOwn(identity, kind)) continue
      const result = this.#normaliseValue(kind, raw)
      if (!result.ok) {
        issues.push({ path: `identity.${kind}`, message: result.message, code: 'invalid_identifier' })
      } else if (this.isBlocked(kind, result.value)) {
        refused.push({ kind, value: result.value, reason: `${kind} is blocked (shared or test value): it never links profiles` })
      } else {
        identifiers.push({ kind, value: result.value })
      }
    }
    if (issues.length > 0) throw new ValidationError('identity', issues)
    if (identifiers.length > 1) identifiers.sort((a, b) => compareByPriority(this, a, b))
    const customerId = identity.customerId?.trim()
    return { customerId: customerId === '' ? undefined : customerId, identifiers, refused }
  }

  #rule(kind: string): ResolvedKindRule {
    return this.#kinds.get(kind) ?? this.#fallback
  }

  #normaliseValue(kind: string, raw: string): { ok: true; value: string } | { ok: false; message: string } {
    const value = raw.trim()
    if (value === '') return { ok: false, message: 'must not be empty' }
    switch (kind) {
      case 'email': {
        const lower = value.toLowerCase()
        return EMAIL.test(lower) ? { ok: true, value: lower } : { ok: false, message: 'is not an email address' }
      }
      case 'phone': {
        const known = this.#phones.get(value)
        if (known !== undefined) return known
        const phone = parsePhoneNumberFromString(value, this.defaultRegion)
        const result = phone?.isValid()
          ? ({ ok: true, value: phone.number } as const)
          : ({ ok: false, message: `is not a valid phone number (read with default region ${this.defaultRegion})` } as const)
        if (this.#phones.size >= PHONE_MEMO_SIZE) this.#phones.clear()
        this.#phones.set(value, result)
        return result
      }
      case 'lineUserId':
        return LINE_USER_ID.test(value) ? { ok: true, value } : { ok: false, message: 'is not a LINE user id ("U" and 32 lower-case hex digits)' }
      default: {
        const schema = this.#rule(kind).schema
        if (!schema) return { ok: true, value }
        const parsed = schema.safeParse(value)
        if (!parsed.success) return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') }
        return { ok: true, value: parsed.data }
      }
    }
  }
}

/** Orders identifiers highest priority first, then by kind and value (so the order never depends on input order). */
export function compareByPriority(rules: IdentifierRules, a: IdentifierRef, b: IdentifierRef): number {
  const byPriority = rules.priority(b.kind) - rules.priority(a.kind)
  if (byPriority !== 0) return byPriority
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
}
