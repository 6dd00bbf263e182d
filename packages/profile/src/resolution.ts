import { identifierKey, type IdentifierRef, type NormalisedIdentity } from './identifier-rules.js'
import { laterOf } from './instants.js'
import { compareSurvivors, copyProfile, createProfile, identifiersOfProfile, mergeProfiles, uniqueValues, withIdentifiers } from './merge.js'
import type { Profile } from './profile.js'
import type { MergeRecord, RefusedLink, ResolveResult } from './profile-store.js'
import type { ProfileRules } from './profile-rules.js'

/** What a store read before planning: who owns each identifier, and those profiles. */
export interface ResolutionState {
  /** Owner (profile id) of each identifier key ({@link identifierKey}) of the identity; absent = unknown. */
  readonly owners: ReadonlyMap<string, string>
  /** Every profile named in `owners`, plus the identity's `customerId` profile if it exists (aliases already followed). */
  readonly profiles: ReadonlyMap<string, Profile>
}

/** Settings of one resolution. */
export interface ResolutionOptions {
  /** Create a profile (and link identifiers) when needed. With false the resolution is read-only. */
  readonly create: boolean
  /** When the identifiers were seen (ISO). */
  readonly at: string
  /** A fresh profile id. */
  readonly newId: () => string
}

/**
 * Everything a store must write, atomically, to carry out a resolution. The store checks that the
 * profiles it read still have the versions it read (`read`) and retries the whole resolution if not.
 */
export interface ResolutionPlan {
  /** What `resolve` returns. */
  readonly result: ResolveResult
  /** The profile to write (created, merged or with new identifiers), if anything changed. */
  readonly write: Profile | undefined
  /** Profiles merged away: delete them (and their interest index entries). */
  readonly deleted: readonly string[]
  /** Identifier keys to point at `write.id`. */
  readonly link: readonly string[]
  /** Identifier keys to remove from the index (dropped by a per-profile limit). */
  readonly unlink: readonly string[]
  /** Merged-away ids (and ids merged into them before) that must now lead to the survivor. */
  readonly aliases: readonly string[]
  /** Versions of the profiles read, for the optimistic check. */
  readonly read: ReadonlyMap<string, number>
}

const nothing = { merges: [], refused: [] } as const

/**
 * Decides how an identity resolves, given what the store read. Pure: no I/O, no clock; the same
 * inputs give the same plan, so memory, PostgreSQL and Redis resolve identically.
 *
 * The event belongs with its highest-priority identifier (a `customerId` first). Its other
 * identifiers join that group in priority order unless a rule forbids it: a profile whose unique
 * identifier (loyalty id…) differs from the group's is not merged, and a new unique value that
 * differs from the group's is not linked; both are reported in `refused`. Of the profiles that
 * may merge, the survivor is the one with the higher-priority identifier, then the older one.
 */
export function planResolution(
  identity: NormalisedIdentity,
  state: ResolutionState,
  rules: ProfileRules,
  options: ResolutionOptions,
): ResolutionPlan {
  const refused: RefusedLink[] = [...identity.refused]
  const read = new Map<string, number>()
  for (const [id, p] of state.profiles) read.set(id, p.version)
  const named = identity.customerId === undefined ? undefined : state.profiles.get(identity.customerId)

  if (!options.create) {
    // Read-only lookup: the profile of the highest-priority known identifier.
    let found = named
    for (const ref of identity.identifiers) found ??= ownerOf(ref, state)
    return { result: { profileId: found?.id, created: false, ...nothing, refused }, write: undefined, deleted: [], link: [], unlink: [], aliases: [], read }
  }

  // Build the group the event belongs to, highest priority first.
  const group: Profile[] = named ? [named] : []
  const groupUnique = new Map<string, string>()
  if (named) for (const [k, v] of uniqueValues(named, rules)) groupUnique.set(k, v)
  const fresh: IdentifierRef[] = []
  const reasons = new Set<string>()
  for (const ref of identity.identifiers) {
    const owner = ownerOf(ref, state)
    if (owner) {
      if (group.includes(owner)) continue
      const ownerUnique = uniqueValues(owner, rules)
      const conflict = [...ownerUnique].find(([k, v]) => groupUnique.has(k) && groupUnique.get(k) !== v)
      if (conflict) {
        refused.push({ kind: ref.kind, value: ref.value, reason: `merge refused: the profiles have different ${conflict[0]} values (${conflict[0]} is unique per person)` })
        continue
      }
      group.push(owner)
      for (const [k, v] of ownerUnique) groupUnique.set(k, v)
      if (group.length > 1) reasons.add(ref.kind)
    } else {
      if (rules.identifiers.isUnique(ref.kind)) {
        const held = groupUnique.get(ref.kind)
        if (held !== undefined && held !== ref.value) {
          refused.push({ kind: ref.kind, value: ref.value, reason: `link refused: the profile already has another ${ref.kind} (${ref.kind} is unique per person)` })
          continue
        }
        groupUnique.set(ref.kind, ref.value)
      }
      fresh.push(ref)
    }
  }

  if (group.length === 0 && fresh.length === 0 && identity.customerId === undefined) {
    // Every identifier was blocked: nobody can be told apart, so nobody is created.
    return { result: { profileId: undefined, created: false, ...nothing, refused }, write: undefined, deleted: [], link: [], unlink: [], aliases: [], read }
  }

  let created = false
  let base: Profile
  let merged: Profile[] = []
  const merges: MergeRecord[] = []
  const evicted: IdentifierRef[] = []
  let changed = false
  if (group.length === 0) {
    base = createProfile(identity.customerId ?? options.newId(), options.at, rules)
    created = true
    changed = true
  } else {
    const ranked = [...group].sort((a, b) => compareSurvivors(a, b, rules))
    base = ranked[0]!
    merged = ranked.slice(1)
    if (merged.length > 0) {
      const result = mergeProfiles(base, merged, options.at, rules)
      base = result.profile
      evicted.push(...result.evicted)
      changed = true
      merges.push({
        survivorId: base.id,
        mergedIds: merged.map((p) => p.id).sort(),
        reason: `linked by ${[...reasons].sort().join(', ') || 'customerId'}`,
      })
    }
  }
  // A customer id naming no profile yet, on an event whose identifiers lead to one (an anonymous
  // visitor who signs in): the id becomes another name of that profile, so a later event with
  // the customer id alone finds it instead of starting a second profile for the same person.
  const renamed = !created && named === undefined && identity.customerId !== undefined && identity.customerId !== base.id ? identity.customerId : undefined
  if (renamed !== undefined) {
    const copy = copyProfile(base)
    copy.mergedFrom = [...base.mergedFrom, renamed].sort()
    if (!changed) copy.version = base.version + 1
    copy.updatedAt = laterOf(base.updatedAt, options.at)
    base = copy
    changed = true
  }
  // Link the new identifiers and touch the known ones (last seen drives the per-kind limits).
  const seen = refused.length === 0 ? identity.identifiers : identity.identifiers.filter((ref) => !refused.some((r) => r.kind === ref.kind && r.value === ref.value))
  if (!changed && fresh.length === 0) {
    // The common case: every identifier known, on one profile. Only a lastSeen may move.
    const touched = withIdentifiers(base.identifiers, seen, options.at, rules)
    if (!touched.changed) return { result: { profileId: base.id, created, merges, refused }, write: undefined, deleted: [], link: [], unlink: [], aliases: [], read }
  }
  const before = new Set(created ? [] : identifiersOfProfile(base).map((r) => identifierKey(r.kind, r.value)))
  const touched = withIdentifiers(base.identifiers, seen, options.at, rules)
  evicted.push(...touched.evicted)
  if (touched.changed) {
    const copy = copyProfile(base)
    copy.identifiers = touched.identifiers
    copy.version = changed ? base.version : base.version + 1
    copy.updatedAt = laterOf(base.updatedAt, options.at)
    base = copy
    changed = true
  }
  const finalKeys = new Set(identifiersOfProfile(base).map((r) => identifierKey(r.kind, r.value)))
  const link: string[] = []
  for (const key of finalKeys) {
    // Keys the survivor held already point at it; merged profiles' keys and new ones must be (re)pointed.
    if (!before.has(key) || merged.length > 0) link.push(key)
  }
  const unlink = evicted.map((r) => identifierKey(r.kind, r.value)).filter((key) => !finalKeys.has(key))
  const aliases = merged.flatMap((p) => [p.id, ...p.mergedFrom])
  if (renamed !== undefined) aliases.push(renamed)
  return {
    result: { profileId: base.id, created, merges, refused },
    write: changed ? base : undefined,
    deleted: merged.map((p) => p.id),
    link,
    unlink,
    aliases,
    read,
  }
}

function ownerOf(ref: IdentifierRef, state: ResolutionState): Profile | undefined {
  const owner = state.owners.get(identifierKey(ref.kind, ref.value))
  return owner === undefined ? undefined : state.profiles.get(owner)
}
