import { randomUUID } from 'node:crypto'
import { ErrorCode, OmotenashiError, SystemClock, type Clock, type Identity, type OmoEvent } from '@omotenashi/core'
import { claimIdentifiers } from './identifier-claims.js'
import { identifierKey, splitIdentifierKey, type NormalisedIdentity } from './identifier-rules.js'
import { parseInterestQuery, matchesInterest } from './interest-query.js'
import type { Profile } from './profile.js'
import { ProfileRules } from './profile-rules.js'
import type { ApplyResult, InterestQuery, PersonExport, ProfileStore, ResolveResult } from './profile-store.js'
import { laterOf } from './instants.js'
import { identifiersNeedWrite, touchIdentifiersInPlace, withIdentifiers } from './merge.js'
import { packProfile, unpackProfile } from './profile-codec.js'
import { applyEventInPlace, identifierMapChanges } from './reducer.js'
import { planResolution, type ResolutionPlan } from './resolution.js'

/** A small hash of an event id from its length and up to 12 characters at both ends (where ids differ). */
function idHash(id: string): number {
  const n = id.length
  let h = n
  const head = Math.min(4, n)
  for (let i = 0; i < head; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0
  for (let i = Math.max(head, n - 8); i < n; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0
  return h
}

/**
 * Identifier → owning profile id, by kind then value. Two levels instead of `kind:value` keys:
 * a concatenated key is a second string per identifier, kept for as long as the identifier is.
 */
class OwnerIndex {
  readonly #byKind = new Map<string, Map<string, string>>()

  get(kind: string, value: string): string | undefined {
    return this.#byKind.get(kind)?.get(value)
  }

  set(kind: string, value: string, id: string): void {
    let values = this.#byKind.get(kind)
    if (!values) this.#byKind.set(kind, (values = new Map()))
    values.set(value, id)
  }

  delete(kind: string, value: string): boolean {
    return this.#byKind.get(kind)?.delete(value) ?? false
  }

  clear(): void {
    this.#byKind.clear()
  }
}

/** A live profile and what the store keeps beside it. */
interface HotEntry {
  readonly id: string
  profile: Profile
  /** {@link idHash} of each applied event id, index for index; computed when first needed. */
  hashes: number[] | undefined
  /** The store's use counter when this profile was last used, and when it was last placed at the end of the eviction queue. */
  used: number
  placed: number
}

/** Options of {@link MemoryProfileStore}. */
export interface MemoryProfileStoreOptions {
  /** Identifier rules and reducer bounds. Default: `new ProfileRules()`. */
  readonly rules?: ProfileRules
  /** The clock for `resolve` without `at` and for exports. Default: the system clock. */
  readonly clock?: Clock
  /** New profile ids. Default: random UUIDs. */
  readonly newId?: () => string
  /**
   * How many recently used profiles are kept as live objects; the rest are packed into a compact
   * string (about a quarter of the memory) and unpacked when next used. Default 10 000.
   */
  readonly hotProfiles?: number
}

/**
 * The embedded {@link ProfileStore}: everything in process memory, nothing persisted.
 *
 * Every operation runs its read-plan-write section synchronously (no `await` inside), so on
 * Node's single thread each resolve and apply is atomic without locks: parallel applies to one
 * profile and two resolutions racing to merge the same profiles cannot interleave.
 *
 * Memory: the `hotProfiles` most recently used profiles are live objects changed in place; the
 * others are packed into compact strings ({@link packProfile}) and unpacked when next used.
 */
export class MemoryProfileStore implements ProfileStore {
  /** The rules this store resolves and applies with. */
  readonly rules: ProfileRules
  readonly #clock: Clock
  readonly #newId: () => string
  /** Recently used profiles, live. */
  readonly #hot = new Map<string, HotEntry>()
  /**
   * Hot entries in the order they were last placed, oldest from `#queueHead` on. A use only stamps
   * the entry; eviction gives a stamped entry a second chance (places it again at the end) instead
   * of reordering on every use, which cost two hash operations per event. An array rather than the
   * Map's own order: taking the first entry of a Map skips every entry deleted before it, which
   * made each eviction cost thousands of steps. Entries no longer in `#hot` are skipped when met.
   */
  #queue: HotEntry[] = []
  #queueHead = 0
  /** The other profiles, packed ({@link packProfile}). A profile is in exactly one of the two maps. */
  readonly #cold = new Map<string, string>()
  readonly #hotLimit: number
  /** Counts uses of hot profiles (see {@link HotEntry.used}). */
  #tick = 0
  /** Merged-away id → survivor id (always the final survivor: chains are collapsed on merge). */
  readonly #aliases = new Map<string, string>()
  /** Identifier key → owning profile id. */
  readonly #owners = new OwnerIndex()
  /** SKU → profiles with any interest in it; queries filter by kind and time on the profile. */
  readonly #interests = new Map<string, Set<string>>()

  constructor(options: MemoryProfileStoreOptions = {}) {
    this.rules = options.rules ?? new ProfileRules()
    this.#clock = options.clock ?? new SystemClock()
    this.#newId = options.newId ?? randomUUID
    this.#hotLimit = Math.max(1, Math.floor(options.hotProfiles ?? 10_000))
  }

  /** Number of profiles held. */
  get size(): number {
    return this.#hot.size + this.#cold.size
  }

  /**
   * A profile by id (following merges). The object is the store's own: treat it as read-only, and
   * as a snapshot (later events may or may not show in it).
   */
  async get(customerId: string): Promise<Profile | undefined> {
    return this.#peek(this.#follow(customerId))
  }

  async resolve(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): Promise<ResolveResult> {
    return this.resolveNow(identity, options)
  }

  /** {@link resolve}, synchronously (for hot paths and benchmarks). */
  resolveNow(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): ResolveResult {
    const normalised = this.rules.identifiers.normalise(identity)
    const create = options.create ?? true
    const at = options.at ?? new Date(this.#clock.now()).toISOString()
    // Fast path, the common case: the customer id names a live profile (or, without one, the
    // first identifier is known) and every identifier is already that profile's. It is exactly
    // what planResolution decides for that case, without building its inputs (its maps and sets
    // were a third of what a worker allocated per event).
    const owner = this.#fastPathOwner(normalised)
    if (owner !== undefined && normalised.identifiers.every((ref) => this.#owners.get(ref.kind, ref.value) === owner)) {
      const profile = this.#hot.get(owner)?.profile
      if (!create || (profile && !identifiersNeedWrite(profile.identifiers, normalised.identifiers, at, this.rules))) {
        return { profileId: owner, created: false, merges: [], refused: normalised.refused }
      }
      // Only lastSeen (or firstSeen) moves: the same change the planner would make, in place.
      if (profile && touchIdentifiersInPlace(profile.identifiers, normalised.identifiers, at, this.rules)) {
        profile.version += 1
        profile.updatedAt = laterOf(profile.updatedAt, at)
        return { profileId: owner, created: false, merges: [], refused: normalised.refused }
      }
      if (profile) {
        const touched = withIdentifiers(profile.identifiers, normalised.identifiers, at, this.rules)
        if (touched.evicted.length === 0) {
          profile.identifiers = touched.identifiers
          profile.version += 1
          profile.updatedAt = laterOf(profile.updatedAt, at)
          return { profileId: owner, created: false, merges: [], refused: normalised.refused }
        }
      }
    }
    const customerId = normalised.customerId === undefined ? undefined : this.#follow(normalised.customerId)
    const owners = new Map<string, string>()
    const profiles = new Map<string, Profile>()
    for (const ref of normalised.identifiers) {
      const key = identifierKey(ref.kind, ref.value)
      const owner = this.#owners.get(ref.kind, ref.value)
      const profile = owner === undefined ? undefined : this.#load(owner)
      if (owner !== undefined && profile) {
        owners.set(key, owner)
        profiles.set(owner, profile)
      }
    }
    if (customerId !== undefined) {
      const named = this.#load(customerId)
      if (named) profiles.set(customerId, named)
    }
    const plan = planResolution({ ...normalised, customerId }, { owners, profiles }, this.rules, { create, at, newId: this.#newId })
    this.#commit(plan)
    return plan.result
  }

  async apply(customerId: string, event: OmoEvent): Promise<ApplyResult> {
    return this.applyNow(customerId, event)
  }

  /** {@link apply}, synchronously (for hot paths and benchmarks). */
  applyNow(customerId: string, event: OmoEvent): ApplyResult {
    const id = this.#follow(customerId)
    const entry = this.#loadEntry(id)
    if (!entry) throw new OmotenashiError(ErrorCode.NotFound, `no profile "${customerId}": resolve the identity first`)
    const profile = entry.profile
    // In place: the store owns this object, and copying the bounded arrays on every event is
    // what would otherwise dominate (in allocation and garbage collection).
    const ids = (profile.appliedEventIds ??= [])
    // Scanning up to 64 strings costs microseconds per event and a Set per profile churns the
    // garbage collector; 64 small integers scan in nanoseconds and never reallocate.
    const hashes = (entry.hashes ??= ids.map(idHash))
    const hash = idHash(event.id)
    // Numbers first (cheap), the string only on a hash match.
    for (let i = hashes.length - 1; i >= 0; i--) if (hashes[i] === hash && ids[i] === event.id) return { profile, applied: false }
    const effects = applyEventInPlace(profile, event, this.rules)
    const max = this.rules.maxAppliedEventIds
    if (max > 0) {
      ids.push(event.id)
      hashes.push(hash)
      while (ids.length > max) {
        ids.shift()
        hashes.shift()
      }
    }
    if (effects.identifiersBefore) {
      const ids = identifierMapChanges(effects.identifiersBefore, profile.identifiers)
      const claims = claimIdentifiers(profile.identifiers, ids.added, (key) => {
        const owner = this.#owners.get(...splitIdentifierKey(key))
        return owner !== undefined && owner !== id
      })
      profile.identifiers = claims.identifiers
      for (const key of claims.claimed) {
        const [kind, value] = splitIdentifierKey(key)
        // Index with the profile's own value string (no substring of the key kept alive).
        const record = profile.identifiers[kind]?.find((r) => r.value === value)
        this.#owners.set(kind, record?.value ?? value, id)
      }
      for (const key of ids.removed) {
        const [kind, value] = splitIdentifierKey(key)
        if (this.#owners.get(kind, value) === id) this.#owners.delete(kind, value)
      }
    }
    for (const sku of effects.addedSkus) this.#indexInterest(sku, id)
    return { profile, applied: true }
  }

  async *findByInterest(query: InterestQuery): AsyncIterable<string> {
    const q = parseInterestQuery(query)
    const ids = this.#interests.get(q.sku)
    if (!ids) return
    // Iterating the live Set is safe: JS Set iterators tolerate additions and deletions.
    for (const id of ids) {
      const profile = this.#peek(id)
      if (profile && matchesInterest(profile, q)) yield id
    }
  }

  async export(customerId: string): Promise<PersonExport | undefined> {
    const profile = this.#peek(this.#follow(customerId))
    return profile && { profile: structuredClone(profile), exportedAt: new Date(this.#clock.now()).toISOString() }
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const id = this.#follow(customerId)
    const profile = this.#peek(id)
    if (!profile) return 0
    let removed = 1
    this.#hot.delete(id)
    this.#cold.delete(id)
    for (const [kind, records] of Object.entries(profile.identifiers)) {
      for (const r of records) {
        if (this.#owners.get(kind, r.value) === id) {
          this.#owners.delete(kind, r.value)
          removed++
        }
      }
    }
    for (const sku of Object.keys(profile.interests)) if (this.#unindexInterest(sku, id)) removed++
    for (const old of profile.mergedFrom) if (this.#aliases.delete(old)) removed++
    return removed
  }

  /** Drops everything (tests and benchmarks). */
  clear(): void {
    this.#hot.clear()
    this.#queue = []
    this.#queueHead = 0
    this.#cold.clear()
    this.#aliases.clear()
    this.#owners.clear()
    this.#interests.clear()
  }

  /** The profile the fast path of {@link resolveNow} would keep: the named one if it is live, else the first identifier's owner. */
  #fastPathOwner(identity: NormalisedIdentity): string | undefined {
    if (identity.customerId !== undefined) {
      const id = this.#follow(identity.customerId)
      // Not live (cold, or unknown: a profile to create or a customer id to add as a name): the planner decides.
      return this.#hot.has(id) ? id : undefined
    }
    const first = identity.identifiers[0]
    return first === undefined ? undefined : this.#owners.get(first.kind, first.value)
  }

  #follow(id: string): string {
    return this.#aliases.get(id) ?? id
  }

  /** A profile for reading: the live one if hot, else unpacked (not made hot: a fan-out query must not flush the working set). */
  #peek(id: string): Profile | undefined {
    const hot = this.#hot.get(id)
    if (hot) return hot.profile
    const cold = this.#cold.get(id)
    return cold === undefined ? undefined : unpackProfile(cold)
  }

  /** A profile for changing: made hot (most recently used), packing a least recently used one if over the limit. */
  #load(id: string): Profile | undefined {
    return this.#loadEntry(id)?.profile
  }

  #loadEntry(id: string): HotEntry | undefined {
    const hot = this.#hot.get(id)
    if (hot) {
      hot.used = ++this.#tick
      return hot
    }
    const cold = this.#cold.get(id)
    if (cold === undefined) return undefined
    this.#cold.delete(id)
    return this.#store(id, unpackProfile(cold))
  }

  /** Makes `profile` the live one for `id` (most recently used); packs others while over the limit, never this one. */
  #store(id: string, profile: Profile): HotEntry {
    const tick = ++this.#tick
    let entry = this.#hot.get(id)
    if (entry) {
      if (entry.profile !== profile) {
        entry.profile = profile
        entry.hashes = undefined
      }
      entry.used = tick
      return entry
    }
    entry = { id, profile, hashes: undefined, used: tick, placed: tick }
    this.#hot.set(id, entry)
    this.#queue.push(entry)
    // Second chance: an entry used since it was placed goes to the end again; the first one that
    // was not is packed. Every entry placed again is unmarked, so this ends within one pass.
    while (this.#hot.size > this.#hotLimit) {
      const candidate = this.#queue[this.#queueHead]!
      this.#queue[this.#queueHead++] = undefined as unknown as HotEntry
      if (this.#hot.get(candidate.id) !== candidate) continue
      if (candidate === entry || candidate.used > candidate.placed) {
        candidate.placed = candidate.used = ++this.#tick
        this.#queue.push(candidate)
      } else {
        this.#hot.delete(candidate.id)
        this.#cold.set(candidate.id, packProfile(candidate.profile))
      }
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead)
      this.#queueHead = 0
    } else if (this.#queue.length - this.#queueHead > 2 * this.#hotLimit + 1024) {
      // Erased and merged-away profiles leave their entries behind; drop them before they pile up.
      this.#queue = this.#queue.slice(this.#queueHead).filter((e) => this.#hot.get(e.id) === e)
      this.#queueHead = 0
    }
    return entry
  }

  #commit(plan: ResolutionPlan): void {
    const write = plan.write
    if (!write) return
    for (const id of plan.deleted) {
      const gone = this.#peek(id)
      this.#hot.delete(id)
      this.#cold.delete(id)
      if (gone) for (const sku of Object.keys(gone.interests)) this.#unindexInterest(sku, id)
    }
    for (const id of plan.aliases) this.#aliases.set(id, write.id)
    for (const key of plan.unlink) {
      const [kind, value] = splitIdentifierKey(key)
      const owner = this.#owners.get(kind, value)
      if (owner === write.id || (owner !== undefined && plan.deleted.includes(owner))) this.#owners.delete(kind, value)
    }
    if (plan.link.length > 0) {
      // Index with the profile's own value strings (no substrings of the keys kept alive).
      const link = new Set(plan.link)
      for (const [kind, records] of Object.entries(write.identifiers)) {
        for (const r of records) if (link.has(identifierKey(kind, r.value))) this.#owners.set(kind, r.value, write.id)
      }
    }
    const existed = this.#hot.has(write.id) || this.#cold.has(write.id)
    this.#cold.delete(write.id)
    this.#store(write.id, write)
    if (plan.deleted.length > 0 || !existed) for (const sku of Object.keys(write.interests)) this.#indexInterest(sku, write.id)
  }

  #indexInterest(sku: string, id: string): void {
    let set = this.#interests.get(sku)
    if (!set) this.#interests.set(sku, (set = new Set()))
    set.add(id)
  }

  #unindexInterest(sku: string, id: string): boolean {
    const set = this.#interests.get(sku)
    if (!set?.delete(id)) return false
    if (set.size === 0) this.#interests.delete(sku)
    return true
  }
}
