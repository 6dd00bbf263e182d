import type { OmoEvent } from '@omotenashi/core'
import { identifierKey } from './identifier-rules.js'
import { identifiersOfProfile, isAfter, laterOf, withActivity, withAnswers, withAppliedIds, withIdentifiers, withoutIdentifier } from './merge.js'
import type { Activity, Answer, InterestKind, Profile } from './profile.js'
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
  const skus = skusOf(event)
  const value = valueOf(event)
  return {
    type: event.type,
    at: event.time,
    ...(value === undefined ? {} : { value }),
    ...(event.storeId === undefined ? {} : { storeId: event.storeId }),
    ...(skus.length === 1 ? { sku: skus[0]! } : {}),
  }
}

/**
 * Applies one event to a profile and returns the new profile; the input is not changed. This is
 * the only code that changes a profile, so every store behaves the same. Keyed facts (traits,
 * consent, reachability, interests) keep the newest value, so events that arrive out of order
 * never overwrite newer facts. The version goes up by one. Idempotency is
 * {@link applyEventOnce}'s job.
 */
export function applyEvent(profile: Profile, event: OmoEvent, rules: ProfileRules): Profile {
  const at = event.time
  const next: { -readonly [K in keyof Profile]: Profile[K] } = {
    ...profile,
    version: profile.version + 1,
    updatedAt: laterOf(profile.updatedAt, at),
    activity: withActivity(profile.activity, activityOf(event), rules.maxActivity),
  }
  const setConsent = (channel: string, purpose: string, granted: boolean): void => {
    const current = next.consent[channel]?.[purpose]
    if (current && isAfter(current.at, at)) return
    next.consent = { ...next.consent, [channel]: { ...next.consent[channel], [purpose]: { granted, source: event.source, at } } }
  }
  const setReachability = (channel: string, reachable: boolean, reason?: string): void => {
    const current = next.reachability[channel]
    if (current && isAfter(current.at, at)) return
    next.reachability = { ...next.reachability, [channel]: { reachable, at, ...(reason === undefined ? {} : { reason }) } }
  }

  const interest = INTEREST_OF[event.type]
  if (interest) {
    let interests = next.interests
    for (const sku of skusOf(event)) {
      const current = interests[sku]?.[interest]
      if (current !== undefined && !isAfter(at, current)) continue
      if (interests === next.interests) interests = { ...interests }
      interests[sku] = { ...interests[sku], [interest]: at }
    }
    next.interests = interests
  }

  switch (event.type) {
    case 'consent.changed': {
      const channel = str(event.data['channel'])
      const granted = event.data['granted']
      if (channel && typeof granted === 'boolean') setConsent(channel, str(event.data['purpose']) ?? '*', granted)
      break
    }
    case 'line.followed':
      setConsent('line', '*', true)
      setReachability('line', true)
      break
    case 'line.unfollowed':
      setConsent('line', '*', false)
      setReachability('line', false, 'unfollowed')
      break
    case 'push.token_registered': {
      const token = str(event.data['token'])
      if (token) {
        // The store unlinks tokens dropped by the per-profile limit (it diffs identifiers).
        next.identifiers = withIdentifiers(next.identifiers, [{ kind: 'deviceToken', value: token }], at, rules).identifiers
        setReachability('push', true)
      }
      break
    }
    case 'push.token_revoked': {
      const token = str(event.data['token'])
      if (token) {
        next.identifiers = withoutIdentifier(next.identifiers, 'deviceToken', token)
        if ((next.identifiers['deviceToken'] ?? []).length === 0) setReachability('push', false, str(event.data['reason']) ?? 'token revoked')
      }
      break
    }
    case 'message.failed': {
      const channel = str(event.data['channel'])
      if (channel && event.data['permanent'] === true) setReachability(channel, false, str(event.data['reason']) ?? 'permanent failure')
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
      let changedTraits = next.traits
      for (const [name, value] of Object.entries(traits as Record<string, unknown>)) {
        const current = changedTraits[name]
        if (current && isAfter(current.at, at)) continue
        if (changedTraits === next.traits) changedTraits = { ...changedTraits }
        changedTraits[name] = { value, source: event.source, at }
        if (name === 'timeZone' && typeof value === 'string' && isTimeZone(value)) next.timeZone = value
        if (name === 'locale' && typeof value === 'string' && isLocale(value)) next.locale = value
      }
      next.traits = changedTraits
      break
    }
    default:
      break
  }
  return next
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

/** Identifier keys added to and removed from a profile by a change (what a store re-indexes). */
export function identifierChanges(before: Profile, after: Profile): { added: string[]; removed: string[] } {
  if (before.identifiers === after.identifiers) return { added: [], removed: [] }
  const a = new Set(identifiersOfProfile(before).map((r) => identifierKey(r.kind, r.value)))
  const b = new Set(identifiersOfProfile(after).map((r) => identifierKey(r.kind, r.value)))
  return { added: [...b].filter((k) => !a.has(k)), removed: [...a].filter((k) => !b.has(k)) }
}

/** SKUs a profile has interests in that it did not have before (what a store adds to its interest index). */
export function interestChanges(before: Profile, after: Profile): { added: string[]; removed: string[] } {
  if (before.interests === after.interests) return { added: [], removed: [] }
  const added = Object.keys(after.interests).filter((sku) => !(sku in before.interests))
  const removed = Object.keys(before.interests).filter((sku) => !(sku in after.interests))
  return { added, removed }
}
