import type { IdentifierRef } from './identifier-rules.js'
import { compareInstants, earlierOf, elapsedMs, isAfter, laterOf } from './instants.js'
import type { Activity, Answer, IdentifierRecord, InterestKind, Profile } from './profile.js'
import type { ProfileRules } from './profile-rules.js'

/**
 * An empty record for keys that come from data (SKUs). V8 gives `Object.create(null)` objects
 * dictionary storage at once; a plain `{}` would mint a new hidden class for every SKU added to
 * every profile, which costs far more time and memory than the lookups it speeds up.
 */
export function dataRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

/**
 * A shallow copy of a profile, field by field in one fixed order (the optional fields last). Every
 * profile this package makes goes through here, so they share a handful of V8 hidden classes.
 * Object spread (`{ ...profile }`) must not be used instead: V8 gives each spread copy of an
 * object this size a hidden class of its own, and a store holding thousands of them then misses
 * its property caches on every field access (a third of the memory store's time per event).
 */
export function copyProfile(profile: Profile): Profile {
  const copy: Profile = {
    id: profile.id,
    version: profile.version,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
    identifiers: profile.identifiers,
    traits: profile.traits,
    consent: profile.consent,
    reachability: profile.reachability,
    interests: profile.interests,
    answers: profile.answers,
    activity: profile.activity,
    mergedFrom: profile.mergedFrom,
  }
  if (profile.timeZone !== undefined) copy.timeZone = profile.timeZone
  if (profile.locale !== undefined) copy.locale = profile.locale
  if (profile.appliedEventIds !== undefined) copy.appliedEventIds = profile.appliedEventIds
  return copy
}

/** A new, empty profile. */
export function createProfile(id: string, at: string, rules: ProfileRules): Profile {
  return copyProfile({
    id,
    version: 1,
    createdAt: at,
    updatedAt: at,
    identifiers: {},
    traits: {},
    consent: {},
    reachability: {},
    ...(rules.defaultTimeZone === undefined ? {} : { timeZone: rules.defaultTimeZone }),
    interests: dataRecord(),
    answers: [],
    activity: [],
    mergedFrom: [],
  })
}

/** The values of a unique kind a profile holds (0 or 1 by the rules). */
export function uniqueValues(profile: Profile, rules: ProfileRules): Map<string, string> {
  const out = new Map<string, string>()
  for (const kind in profile.identifiers) {
    if (!rules.identifiers.isUnique(kind)) continue
    const first = profile.identifiers[kind]?.[0]
    if (first) out.set(kind, first.value)
  }
  return out
}

/** A profile's rank in survivor choice: the highest priority among the kinds it holds. */
export function profileRank(profile: Profile, rules: ProfileRules): number {
  let rank = Number.NEGATIVE_INFINITY
  for (const [kind, records] of Object.entries(profile.identifiers)) {
    if (records.length > 0) rank = Math.max(rank, rules.identifiers.priority(kind))
  }
  return rank
}

/**
 * Orders profiles by who survives a merge: the higher-priority identifier, then the older
 * profile, then the smaller id (so the choice never depends on the order profiles were read in).
 */
export function compareSurvivors(a: Profile, b: Profile, rules: ProfileRules): number {
  const rank = profileRank(b, rules) - profileRank(a, rules)
  if (rank !== 0 && !Number.isNaN(rank)) return rank
  const age = compareInstants(a.createdAt, b.createdAt)
  if (age !== 0) return age
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Sorts identifier records most recently seen first (ties: value), as profiles keep them. */
function sortRecords(records: IdentifierRecord[]): IdentifierRecord[] {
  return records.sort((a, b) => compareInstants(b.lastSeen, a.lastSeen) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
}

/**
 * Adds (or touches) identifiers on a profile's identifier map, then applies the per-kind limits.
 * Returns the new map and the identifiers dropped by a limit (to be unlinked by the store).
 */
export function withIdentifiers(
  identifiers: Profile['identifiers'],
  add: readonly IdentifierRef[],
  at: string,
  rules: ProfileRules,
): { identifiers: Profile['identifiers']; evicted: IdentifierRef[]; changed: boolean } {
  // Most sightings change nothing (known identifier, seen within the granularity): check before copying.
  if (!add.some((ref) => needsWrite(identifiers[ref.kind], ref.value, at, rules))) return { identifiers, evicted: [], changed: false }
  const next: Record<string, IdentifierRecord[]> = { ...identifiers }
  const touched = new Set<string>()
  for (const { kind, value } of add) {
    const records = touched.has(kind) ? next[kind]! : [...(next[kind] ?? [])]
    touched.add(kind)
    const index = records.findIndex((r) => r.value === value)
    const existing = index >= 0 ? records[index] : undefined
    if (!existing) records.push({ value, firstSeen: at, lastSeen: at })
    else if (needsWrite(records, value, at, rules)) {
      records[index] = { value, firstSeen: earlierOf(existing.firstSeen, at), lastSeen: laterOf(existing.lastSeen, at) }
    }
    next[kind] = records
  }
  const evicted: IdentifierRef[] = []
  for (const kind of touched) {
    const records = sortRecords(next[kind]!)
    const max = rules.identifiers.maxPerProfile(kind)
    if (max !== undefined && records.length > max) {
      for (const dropped of records.splice(max)) evicted.push({ kind, value: dropped.value })
    }
    next[kind] = records
  }
  return { identifiers: next, evicted, changed: true }
}

/**
 * {@link withIdentifiers} for identifiers the map already holds, changing the map's own arrays
 * (for a store that owns the profile: no copies of the map and its arrays per sighting). Returns
 * false, having changed nothing, if any of them is not held (then use {@link withIdentifiers}).
 * Nothing is added, so no limit can drop anything.
 */
export function touchIdentifiersInPlace(identifiers: Profile['identifiers'], refs: readonly IdentifierRef[], at: string, rules: ProfileRules): boolean {
  if (!refs.every((ref) => identifiers[ref.kind]?.some((r) => r.value === ref.value))) return false
  for (const { kind, value } of refs) {
    const records = identifiers[kind]!
    if (!needsWrite(records, value, at, rules)) continue
    const index = records.findIndex((r) => r.value === value)
    const existing = records[index]!
    records[index] = { value, firstSeen: earlierOf(existing.firstSeen, at), lastSeen: laterOf(existing.lastSeen, at) }
    sortRecords(records)
  }
  return true
}

/** Whether seeing these identifiers at `at` would change a profile's identifier records. */
export function identifiersNeedWrite(identifiers: Profile['identifiers'], refs: readonly IdentifierRef[], at: string, rules: ProfileRules): boolean {
  return refs.some((ref) => needsWrite(identifiers[ref.kind], ref.value, at, rules))
}

/** Whether seeing `value` at `at` changes its record: new, seen earlier than known, or later by at least the granularity. */
function needsWrite(records: readonly IdentifierRecord[] | undefined, value: string, at: string, rules: ProfileRules): boolean {
  const existing = records?.find((r) => r.value === value)
  if (!existing) return true
  if (isAfter(existing.firstSeen, at)) return true
  if (!isAfter(at, existing.lastSeen)) return false
  return elapsedMs(existing.lastSeen, at) >= rules.lastSeenGranularityMs
}

/** Removes one identifier from a profile's identifier map. */
export function withoutIdentifier(identifiers: Profile['identifiers'], kind: string, value: string): Profile['identifiers'] {
  const records = identifiers[kind]
  if (!records?.some((r) => r.value === value)) return identifiers
  const rest = records.filter((r) => r.value !== value)
  const next = { ...identifiers }
  if (rest.length === 0) delete next[kind]
  else next[kind] = rest
  return next
}

/** Every identifier a profile holds. */
export function identifiersOfProfile(profile: Profile): IdentifierRef[] {
  const out: IdentifierRef[] = []
  for (const [kind, records] of Object.entries(profile.identifiers)) for (const r of records) out.push({ kind, value: r.value })
  return out
}

function newestByKey<T extends { readonly at: string }>(target: Record<string, T>, source: Readonly<Record<string, T>>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key]
    if (!current || isAfter(value.at, current.at)) target[key] = value
  }
}

function compareText(a: string | undefined, b: string | undefined): number {
  return a === b ? 0 : a === undefined ? -1 : b === undefined ? 1 : a < b ? -1 : 1
}

/** Time order, then every field, so merged activity is the same whatever order profiles merge in. */
function compareActivity(a: Activity, b: Activity): number {
  return (
    compareInstants(a.at, b.at) ||
    compareText(a.type, b.type) ||
    (a.value ?? Number.NEGATIVE_INFINITY) - (b.value ?? Number.NEGATIVE_INFINITY) ||
    compareText(a.storeId, b.storeId) ||
    compareText(a.sku, b.sku)
  )
}

/** Inserts an activity fact in time order into `activity` itself, keeping the newest `max`. */
export function insertActivity(activity: Activity[], fact: Activity, max: number): void {
  const n = activity.length
  // Facts mostly arrive in time order: one comparison with the newest.
  if (n === 0 || compareActivity(activity[n - 1]!, fact) <= 0) activity.push(fact)
  else {
    // A late fact (a POS batch, a redelivery after newer events): binary search for the first
    // fact after it, rather than comparing with every newer one (up to maxActivity of them).
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareActivity(activity[mid]!, fact) > 0) hi = mid
      else lo = mid + 1
    }
    activity.splice(lo, 0, fact)
  }
  // shift() (no allocation) for the usual one-over case.
  if (activity.length === max + 1) activity.shift()
  else if (activity.length > max) activity.splice(0, activity.length - max)
}

/** Inserts an activity fact in time order, keeping the newest `max`; returns a new array. */
export function withActivity(activity: readonly Activity[], fact: Activity, max: number): Activity[] {
  const next = [...activity]
  insertActivity(next, fact, max)
  return next
}

function answerKey(a: Answer): string {
  return `${a.surveyId}\u0000${a.questionId}\u0000${Date.parse(a.at)}`
}

/** Adds answers not yet present (by survey, question and time), oldest first, keeping the newest `max`. */
export function withAnswers(answers: readonly Answer[], add: readonly Answer[], max: number): Answer[] {
  const byKey = new Map<string, Answer>()
  for (const a of answers) byKey.set(answerKey(a), a)
  for (const a of add) if (!byKey.has(answerKey(a))) byKey.set(answerKey(a), a)
  const all = [...byKey.entries()].sort(([ka, a], [kb, b]) => compareInstants(a.at, b.at) || (ka < kb ? -1 : ka > kb ? 1 : 0))
  return all.slice(Math.max(0, all.length - max)).map(([, a]) => a)
}

/** Appends event ids not yet remembered, keeping the newest `max`. */
export function withAppliedIds(ids: readonly string[] | undefined, add: readonly string[], max: number): string[] {
  const next = [...(ids ?? [])]
  for (const id of add) if (!next.includes(id)) next.push(id)
  if (next.length > max) next.splice(0, next.length - max)
  return next
}

/**
 * Merges profiles into `survivor`, deterministically whatever order `others` come in:
 * identifiers are united (limits applied, least recently seen dropped), traits, consents and
 * reachability keep the newest value per key, interests the latest time per item and kind,
 * answers are united, activity merged in time order and bounded, `mergedFrom` records the ids.
 * The planner ({@link planResolution}) guarantees unique kinds do not conflict.
 */
export function mergeProfiles(
  survivor: Profile,
  others: readonly Profile[],
  at: string,
  rules: ProfileRules,
): { profile: Profile; evicted: IdentifierRef[] } {
  // A canonical order makes ties (equal timestamps) resolve the same way every time.
  const ordered = [...others].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const all = [survivor, ...ordered]
  const identifierAdds: IdentifierRecord[][] = []
  const traits = { ...survivor.traits }
  const consent: Record<string, Record<string, Profile['consent'][string][string]>> = {}
  const reachability = { ...survivor.reachability }
  const interests = dataRecord<Partial<Record<InterestKind, string>>>()
  let createdAt = survivor.createdAt
  let updatedAt = laterOf(survivor.updatedAt, at)
  let activity: Activity[] = [...survivor.activity]
  let answers: Answer[] = survivor.answers
  let applied = survivor.appliedEventIds
  const mergedFrom = new Set(survivor.mergedFrom)
  for (const p of all) {
    for (const [channel, purposes] of Object.entries(p.consent)) newestByKey((consent[channel] ??= {}), purposes)
    for (const [sku, kinds] of Object.entries(p.interests)) {
      const target = (interests[sku] ??= {})
      for (const [kind, time] of Object.entries(kinds) as Array<[InterestKind, string]>) {
        const current = target[kind]
        if (current === undefined || isAfter(time, current)) target[kind] = time
      }
    }
  }
  for (const p of ordered) {
    newestByKey(traits, p.traits)
    newestByKey(reachability, p.reachability)
    createdAt = earlierOf(createdAt, p.createdAt)
    updatedAt = laterOf(updatedAt, p.updatedAt)
    activity = activity.concat(p.activity)
    answers = withAnswers(answers, p.answers, rules.maxAnswers)
    applied = withAppliedIds(applied, p.appliedEventIds ?? [], rules.maxAppliedEventIds)
    mergedFrom.add(p.id)
    for (const id of p.mergedFrom) mergedFrom.add(id)
    identifierAdds.push(...Object.values(p.identifiers))
  }
  // Identifiers: union by value with the earliest firstSeen and latest lastSeen.
  const identifiers: Record<string, IdentifierRecord[]> = {}
  const evicted: { kind: string; value: string }[] = []
  const kinds = new Set(all.flatMap((p) => Object.keys(p.identifiers)))
  for (const kind of kinds) {
    const byValue = new Map<string, IdentifierRecord>()
    for (const p of all) {
      for (const r of p.identifiers[kind] ?? []) {
        const current = byValue.get(r.value)
        byValue.set(
          r.value,
          current ? { value: r.value, firstSeen: earlierOf(current.firstSeen, r.firstSeen), lastSeen: laterOf(current.lastSeen, r.lastSeen) } : r,
        )
      }
    }
    const records = sortRecords([...byValue.values()])
    const max = rules.identifiers.maxPerProfile(kind)
    if (max !== undefined && records.length > max) for (const d of records.splice(max)) evicted.push({ kind, value: d.value })
    identifiers[kind] = records
  }
  activity.sort(compareActivity)
  if (activity.length > rules.maxActivity) activity.splice(0, activity.length - rules.maxActivity)
  const timeZone = traitString(traits, 'timeZone') ?? survivor.timeZone ?? ordered.find((p) => p.timeZone)?.timeZone
  const locale = traitString(traits, 'locale') ?? survivor.locale ?? ordered.find((p) => p.locale)?.locale
  const profile: Profile = copyProfile({
    id: survivor.id,
    version: survivor.version + 1,
    createdAt,
    updatedAt,
    identifiers,
    traits,
    consent,
    reachability,
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(locale === undefined ? {} : { locale }),
    interests,
    answers,
    activity,
    mergedFrom: [...mergedFrom].sort(),
    ...(applied === undefined ? {} : { appliedEventIds: applied }),
  })
  return { profile, evicted }
}

function traitString(traits: Profile['traits'], name: string): string | undefined {
  const value = traits[name]?.value
  return typeof value === 'string' ? value : undefined
}
