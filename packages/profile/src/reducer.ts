import type { OmoEvent } from '@omotenashi/core'
import { identifierKey } from './identifier-rules.js'
import { isAfter, laterOf } from './instants.js'
import { copyProfile, insertActivity, withActivity, withAnswers, withAppliedIds, withIdentifiers, withoutIdentifier } from './merge.js'
import { INTEREST_KINDS, type Activity, type Answer, type InterestKind, type Profile } from './profile.js'
import { isTimeZone, type ProfileRules } from './profile-rules.js'

/** Which interest each item event records. */
const INTEREST_OF: Readonly<Record<string, InterestKind>> = {
  'fitting_room.tried_on': 'tried_on',
  'product.viewed': 'viewed',
  'cart.item_added': 'carted',
  'pos.purchased': 'purchased',
  'order.placed': 'purchased',
  'pos.returned': 'returned',
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** SKUs an event is about: `data.sku`, or every `data.items[].sku`. */
export function skusOf(event: Pick<OmoEvent, 'data'>): string[] {
  const single = str(event.data['sku'])
  if (single) return [single]
  const items = event.data['items']
  if (!Array.isArray(items)) return []
  const out: string[] = []
  for (const item of items) {
    const sku = typeof item === 'object' && item !== null ? str((item as Record<string, unknown>)['sku']) : undefined
    if (sku && !out.includes(sku)) out.push(sku)
  }
  return out
}

/** The number an event contributes to sums and averages: a purchase's total, a cart line's amount, a viewed price. */
export function valueOf(event: Pick<OmoEvent, 'data'>): number | undefined {
  const total = num(event.data['total'])
  if (total !== undefined) return total
  const price = num(event.data['price'])
  if (price === undefined) return num(event.data['value'])
  return price * (num(event.data['quantity']) ?? 1)
}

/** The activity fact an event leaves for computed traits. */
export function activityOf(event: OmoEvent): Activity {
  return factOf(event, str(event.data['sku']))
}

/** {@link activityOf} with `data.sku` already read (the reducer reads it once for both uses). */
function factOf(event: OmoEvent, sku: string | undefined): Activity {
  const fact: { -readonly [K in keyof Activity]: Activity[K] } = { type: event.type, at: event.time }
  const value = valueOf(event)
  if (value !== undefined) fact.value = value
  if (event.storeId !== undefined) fact.storeId = event.storeId
  if (sku !== undefined) fact.sku = sku
  else if (Array.isArray(event.data['items'])) {
    const skus = skusOf(event)
    if (skus.length === 1) fact.sku = skus[0]!
  }
  return fact
}

/** What applying an event changed that a store indexes. */
export interface ApplyEffects {
  /** SKUs the profile had no interest in before (add them to the interest index). */
  readonly addedSkus: readonly string[]
  /** The identifier map before, when the event changed identifiers (diff it with {@link identifierMapChanges}). */
  readonly identifiersBefore: Profile['identifiers'] | undefined
}

/**
 * Applies one event to a profile and returns the new profile; the input is not changed. This is
 * the only code that changes a profile, so every store behaves the same. Keyed facts (traits,
 * consent, reachability, interests) keep the newest value, so events that arrive out of order
 * never overwrite newer facts. The version goes up by one. Idempotency is
 * {@link applyEventOnce}'s job.
 */
export function applyEvent(profile: Profile, event: OmoEvent, rules: ProfileRules): Profile {
  const next: Draft = copyProfile(profile)
  reduce(next, event, rules, false)
  return next
}

/**
 * {@link applyEvent}, changing `profile` itself instead of copying it: for a store that owns its
 * profile objects (the memory store), this avoids copying the bounded arrays on every event,
 * which is what keeps the garbage collector out of the hot path. Same rules, same result.
 */
export function applyEventInPlace(profile: Profile, event: OmoEvent, rules: ProfileRules): ApplyEffects {
  return reduce(profile, event, rules, true)
}

/** Sets `container[key]`, copying the container first unless changing it in place. */
function put<T>(container: Record<string, T>, key: string, value: T, inPlace: boolean): Record<string, T> {
  if (!inPlace) return { ...container, [key]: value }
  container[key] = value
  return container
}

/** The reducer: one implementation, copy-on-write (`inPlace` false) or in place. */
function reduce(next: Draft, event: OmoEvent, rules: ProfileRules, inPlace: boolean): ApplyEffects {
  const at = event.time
  const identifiersBefore = next.identifiers
  let addedSkus: string[] | undefined
  next.version = next.version + 1
  next.updatedAt = laterOf(next.updatedAt, at)
  const sku = str(event.data['sku'])
  const fact = factOf(event, sku)
  if (inPlace) insertActivity(next.activity, fact, rules.maxActivity)
  else next.activity = withActivity(next.activity, fact, rules.maxActivity)

  const interest = INTEREST_OF[event.type]
  if (interest) {
    // One SKU (the usual item event) without the array skusOf would build.
    if (sku !== undefined) addedSkus = noteInterest(next, sku, interest, at, inPlace, addedSkus)
    else for (const item of skusOf(event)) addedSkus = noteInterest(next, item, interest, at, inPlace, addedSkus)
  }

  switch (event.type) {
    case 'consent.changed': {
      const channel = str(event.data['channel'])
      const granted = event.data['granted']
      if (channel && typeof granted === 'boolean') setConsent(next, event, channel, str(event.data['purpose']) ?? '*', granted, inPlace)
      break
    }
    case 'line.followed':
      setConsent(next, event, 'line', '*', true, inPlace)
      setReachability(next, at, 'line', true, undefined, inPlace)
      break
    case 'line.unfollowed':
      setConsent(next, event, 'line', '*', false, inPlace)
      setReachability(next, at, 'line', false, 'unfollowed', inPlace)
      break
    case 'push.token_registered': {
      const token = str(event.data['token'])
      if (token) {
        // The store unlinks tokens dropped by the per-profile limit (it diffs identifiers).
        next.identifiers = withIdentifiers(next.identifiers, [{ kind: 'deviceToken', value: token }], at, rules).identifiers
        setReachability(next, at, 'push', true, undefined, inPlace)
      }
      break
    }
    case 'push.token_revoked': {
      const token = str(event.data['token'])
      if (token) {
        next.identifiers = withoutIdentifier(next.identifiers, 'deviceToken', token)
        if ((next.identifiers['deviceToken'] ?? []).length === 0) setReachability(next, at, 'push', false, str(event.data['reason']) ?? 'token revoked', inPlace)
      }
      break
    }
    case 'message.failed': {
      // Only a failure that says the recipient cannot be reached changes reachability: a message
      // the provider refused (bad content, a template error) says nothing about the customer.
      const channel = str(event.data['channel'])
      if (channel && event.data['unreachable'] === true) setReachability(next, at, channel, false, str(event.data['reason']) ?? 'unreachable', inPlace)
      break
    }
    case 'channel.reachability_changed': {
      const channel = str(event.data['channel'])
      if (channel && typeof event.data['reachable'] === 'boolean') setReachability(next, at, channel, event.data['reachable'], str(event.data['reason']), inPlace)
      break
    }
    case 'survey.answered': {
      const answer = answerOf(event)
      if (answer) next.answers = withAnswers(next.answers, [answer], rules.maxAnswers)
      break
    }
    case 'profile.traits_updated': {
      const traits = event.data['traits']
      if (typeof traits !== 'object' || traits === null) break
      for (const [name, value] of Object.entries(traits as Record<string, unknown>)) {
        const current = next.traits[name]
        if (current && isAfter(current.at, at)) continue
        next.traits = put(next.traits, name, { value, source: event.source, at }, inPlace)
        if (name === 'timeZone' && typeof value === 'string' && isTimeZone(value)) next.timeZone = value
        if (name === 'locale' && typeof value === 'string' && isLocale(value)) next.locale = value
      }
      break
    }
    default:
      break
  }
  // Most events change no index: one shared answer instead of an object per event.
  if (addedSkus === undefined && next.identifiers === identifiersBefore) return NO_EFFECTS
  return { addedSkus: addedSkus ?? [], identifiersBefore: next.identifiers === identifiersBefore ? undefined : identifiersBefore }
}

const NO_EFFECTS: ApplyEffects = Object.freeze({ addedSkus: Object.freeze([]), identifiersBefore: undefined })

type Draft = { -readonly [K in keyof Profile]: Profile[K] }

/** Records interest `kind` in `sku` at `at` unless a later one is known; returns `added` with the SKU if it is new to the profile. */
function noteInterest(next: Draft, sku: string, kind: InterestKind, at: string, inPlace: boolean, added: string[] | undefined): string[] | undefined {
  const kinds = next.interests[sku]
  const current = kinds?.[kind]
  if (current !== undefined && !isAfter(at, current)) return added
  if (current !== undefined && inPlace) {
    // Only the time moves: no second keyed store (each costs a string-table lookup for a SKU read from JSON).
    kinds![kind] = at
    return added
  }
  if (kinds === undefined) (added ??= []).push(sku)
  next.interests = put(next.interests, sku, withInterest(kinds, kind, at), inPlace)
  return added
}

/**
 * The kinds of an item's interest with `kind` at `at`, rebuilt in {@link INTEREST_KINDS} order:
 * objects built in one order share at most 31 hidden classes, where adding kinds in the order
 * events happen to come could make one per permutation and defeat V8's property caches.
 */
function withInterest(kinds: Profile['interests'][string] | undefined, kind: InterestKind, at: string): Profile['interests'][string] {
  const out: Profile['interests'][string] = {}
  for (const k of INTEREST_KINDS) {
    const time = k === kind ? at : kinds?.[k]
    if (time !== undefined) out[k] = time
  }
  return out
}

function setConsent(next: Draft, event: OmoEvent, channel: string, purpose: string, granted: boolean, inPlace: boolean): void {
  const purposes = next.consent[channel]
  const current = purposes?.[purpose]
  if (current && isAfter(current.at, event.time)) return
  const leaf = { granted, source: event.source, at: event.time }
  next.consent = put(next.consent, channel, put(purposes ?? {}, purpose, leaf, inPlace && purposes !== undefined), inPlace)
}

function setReachability(next: Draft, at: string, channel: string, reachable: boolean, reason: string | undefined, inPlace: boolean): void {
  const current = next.reachability[channel]
  if (current && isAfter(current.at, at)) return
  next.reachability = put(next.reachability, channel, reason === undefined ? { reachable, at } : { reachable, at, reason }, inPlace)
}

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1
  } catch {
    return false
  }
}

function answerOf(event: OmoEvent): Answer | undefined {
  const surveyId = str(event.data['surveyId'])
  const questionId = str(event.data['questionId'])
  const answer = event.data['answer']
  const valid =
    typeof answer === 'string' ||
    typeof answer === 'number' ||
    typeof answer === 'boolean' ||
    (Array.isArray(answer) && answer.every((a) => typeof a === 'string'))
  if (!surveyId || !questionId || !valid) return undefined
  const question = str(event.data['question'])
  return {
    surveyId,
    questionId,
    ...(question === undefined ? {} : { question }),
    answer: answer as Answer['answer'],
    at: event.time,
    source: event.source,
    ...(event.storeId === undefined ? {} : { storeId: event.storeId }),
  }
}

/** Whether the profile remembers applying this event id. */
export function hasApplied(profile: Profile, eventId: string): boolean {
  return profile.appliedEventIds?.includes(eventId) ?? false
}

/**
 * Applies an event unless its id was applied before (then returns the profile unchanged and
 * `applied: false`), remembering the id in `appliedEventIds` (bounded by the rules).
 */
export function applyEventOnce(profile: Profile, event: OmoEvent, rules: ProfileRules): { profile: Profile; applied: boolean } {
  if (hasApplied(profile, event.id)) return { profile, applied: false }
  const next = applyEvent(profile, event, rules)
  if (rules.maxAppliedEventIds > 0) next.appliedEventIds = withAppliedIds(profile.appliedEventIds, [event.id], rules.maxAppliedEventIds)
  return { profile: next, applied: true }
}

/**
 * {@link applyEventOnce} in place (see {@link applyEventInPlace}): returns undefined when the event
 * id was applied before (nothing changed), else what changed for the indexes.
 */
export function applyEventOnceInPlace(profile: Profile, event: OmoEvent, rules: ProfileRules): ApplyEffects | undefined {
  if (hasApplied(profile, event.id)) return undefined
  const effects = applyEventInPlace(profile, event, rules)
  if (rules.maxAppliedEventIds > 0) {
    const ids = (profile.appliedEventIds ??= [])
    ids.push(event.id)
    if (ids.length > rules.maxAppliedEventIds) ids.splice(0, ids.length - rules.maxAppliedEventIds)
  }
  return effects
}

/** Identifier keys added and removed between two identifier maps. */
export function identifierMapChanges(before: Profile['identifiers'], after: Profile['identifiers']): { added: string[]; removed: string[] } {
  if (before === after) return { added: [], removed: [] }
  const keys = (map: Profile['identifiers']): Set<string> => {
    const out = new Set<string>()
    for (const [kind, records] of Object.entries(map)) for (const r of records) out.add(identifierKey(kind, r.value))
    return out
  }
  const a = keys(before)
  const b = keys(after)
  return { added: [...b].filter((k) => !a.has(k)), removed: [...a].filter((k) => !b.has(k)) }
}

/** Identifier keys added to and removed from a profile by a change (what a store re-indexes). */
export function identifierChanges(before: Profile, after: Profile): { added: string[]; removed: string[] } {
  return identifierMapChanges(before.identifiers, after.identifiers)
}

/** SKUs a profile has interests in that it did not have before (what a store adds to its interest index). */
export function interestChanges(before: Profile, after: Profile): { added: string[]; removed: string[] } {
  if (before.interests === after.interests) return { added: [], removed: [] }
  const added = Object.keys(after.interests).filter((sku) => !(sku in before.interests))
  const removed = Object.keys(before.interests).filter((sku) => !(sku in after.interests))
  return { added, removed }
}
