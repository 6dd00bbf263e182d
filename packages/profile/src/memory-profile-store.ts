import { randomUUID } from 'node:crypto'
import { ErrorCode, OmotenashiError, SystemClock, type Clock, type Identity, type OmoEvent } from '@omotenashi/core'
import { identifierKey } from './identifier-rules.js'
import { parseInterestQuery, matchesInterest } from './interest-query.js'
import type { Profile } from './profile.js'
import { ProfileRules } from './profile-rules.js'
import type { ApplyResult, InterestQuery, PersonExport, ProfileStore, ResolveResult } from './profile-store.js'
import { applyEventOnce, identifierChanges, interestChanges } from './reducer.js'
import { planResolution, type ResolutionPlan } from './resolution.js'

/** Options of {@link MemoryProfileStore}. */
export interface MemoryProfileStoreOptions {
  /** Identifier rules and reducer bounds. Default: `new ProfileRules()`. */
  readonly rules?: ProfileRules
  /** The clock for `resolve` without `at` and for exports. Default: the system clock. */
  readonly clock?: Clock
  /** New profile ids. Default: random UUIDs. */
  readonly newId?: () => string
}

/**
 * The embedded {@link ProfileStore}: everything in process memory, nothing persisted.
 *
 * Every operation runs its read-plan-write section synchronously (no `await` inside), so on
 * Node's single thread each resolve and apply is atomic without locks: parallel applies to one
 * profile and two resolutions racing to merge the same profiles cannot interleave.
 */
export class MemoryProfileStore implements ProfileStore {
  /** The rules this store resolves and applies with. */
  readonly rules: ProfileRules
  readonly #clock: Clock
  readonly #newId: () => string
  readonly #profiles = new Map<string, Profile>()
  /** Merged-away id → survivor id (always the final survivor: chains are collapsed on merge). */
  readonly #aliases = new Map<string, string>()
  /** Identifier key → owning profile id. */
  readonly #owners = new Map<string, string>()
  /** SKU → profiles with any interest in it; queries filter by kind and time on the profile. */
  readonly #interests = new Map<string, Set<string>>()

  constructor(options: MemoryProfileStoreOptions = {}) {
    this.rules = options.rules ?? new ProfileRules()
    this.#clock = options.clock ?? new SystemClock()
    this.#newId = options.newId ?? randomUUID
  }

  /** Number of profiles held. */
  get size(): number {
    return this.#profiles.size
  }

  async get(customerId: string): Promise<Profile | undefined> {
    return this.#profiles.get(this.#follow(customerId))
  }

  async resolve(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): Promise<ResolveResult> {
    return this.resolveNow(identity, options)
  }

  /** {@link resolve}, synchronously (for hot paths and benchmarks). */
  resolveNow(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): ResolveResult {
    const normalised = this.rules.identifiers.normalise(identity)
    const customerId = normalised.customerId === undefined ? undefined : this.#follow(normalised.customerId)
    const owners = new Map<string, string>()
    const profiles = new Map<string, Profile>()
    for (const ref of normalised.identifiers) {
      const key = identifierKey(ref.kind, ref.value)
      const owner = this.#owners.get(key)
      const profile = owner === undefined ? undefined : this.#profiles.get(owner)
      if (owner !== undefined && profile) {
        owners.set(key, owner)
        profiles.set(owner, profile)
      }
    }
    if (customerId !== undefined) {
      const named = this.#profiles.get(customerId)
      if (named) profiles.set(customerId, named)
    }
    const plan = planResolution({ ...normalised, customerId }, { owners, profiles }, this.rules, {
      create: options.create ?? true,
      at: options.at ?? new Date(this.#clock.now()).toISOString(),
      newId: this.#newId,
    })
    this.#commit(plan)
    return plan.result
  }

  async apply(customerId: string, event: OmoEvent): Promise<ApplyResult> {
    return this.applyNow(customerId, event)
  }

  /** {@link apply}, synchronously (for hot paths and benchmarks). */
  applyNow(customerId: string, event: OmoEvent): ApplyResult {
    const id = this.#follow(customerId)
    const before = this.#profiles.get(id)
    if (!before) throw new OmotenashiError(ErrorCode.NotFound, `no profile "${customerId}": resolve the identity first`)
    const { profile, applied } = applyEventOnce(before, event, this.rules)
    if (!applied) return { profile: before, applied: false }
    let after = profile
    const ids = identifierChanges(before, after)
    for (const key of ids.added) {
      const owner = this.#owners.get(key)
      if (owner !== undefined && owner !== id) {
        // Another person holds this identifier: the reducer cannot merge, so it is not taken.
        const colon = key.indexOf(':')
        const kind = key.slice(0, colon)
        const value = key.slice(colon + 1)
        const rest = (after.identifiers[kind] ?? []).filter((r) => r.value !== value)
        const identifiers = { ...after.identifiers }
        if (rest.length === 0) delete identifiers[kind]
        else identifiers[kind] = rest
        after = { ...after, identifiers }
      } else this.#owners.set(key, id)
    }
    for (const key of ids.removed) if (this.#owners.get(key) === id) this.#owners.delete(key)
    for (const sku of interestChanges(before, after).added) this.#indexInterest(sku, id)
    this.#profiles.set(id, after)
    return { profile: after, applied: true }
  }

  async *findByInterest(query: InterestQuery): AsyncIterable<string> {
    const q = parseInterestQuery(query)
    const ids = this.#interests.get(q.sku)
    if (!ids) return
    // Iterating the live Set is safe: JS Set iterators tolerate additions and deletions.
    for (const id of ids) {
      const profile = this.#profiles.get(id)
      if (profile && matchesInterest(profile, q)) yield id
    }
  }

  async export(customerId: string): Promise<PersonExport | undefined> {
    const profile = this.#profiles.get(this.#follow(customerId))
    return profile && { profile: structuredClone(profile), exportedAt: new Date(this.#clock.now()).toISOString() }
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const id = this.#follow(customerId)
    const profile = this.#profiles.get(id)
    if (!profile) return 0
    let removed = 1
    this.#profiles.delete(id)
    for (const [kind, records] of Object.entries(profile.identifiers)) {
      for (const r of records) {
        const key = identifierKey(kind, r.value)
        if (this.#owners.get(key) === id) {
          this.#owners.delete(key)
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
    this.#profiles.clear()
    this.#aliases.clear()
    this.#owners.clear()
    this.#interests.clear()
  }

  #follow(id: string): string {
    return this.#aliases.get(id) ?? id
  }

  #commit(plan: ResolutionPlan): void {
    const write = plan.write
    if (!write) return
    for (const id of plan.deleted) {
      const gone = this.#profiles.get(id)
      this.#profiles.delete(id)
      if (gone) for (const sku of Object.keys(gone.interests)) this.#unindexInterest(sku, id)
    }
    for (const id of plan.aliases) this.#aliases.set(id, write.id)
    for (const key of plan.unlink) {
      const owner = this.#owners.get(key)
      if (owner === write.id || (owner !== undefined && plan.deleted.includes(owner))) this.#owners.delete(key)
    }
    for (const key of plan.link) this.#owners.set(key, write.id)
    const previous = this.#profiles.get(write.id)
    this.#profiles.set(write.id, write)
    if (plan.deleted.length > 0 || !previous) for (const sku of Object.keys(write.interests)) this.#indexInterest(sku, write.id)
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
