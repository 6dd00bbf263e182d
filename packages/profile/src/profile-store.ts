import type { Identity, OmoEvent } from '@omotenashi/core'
import type { InterestKind, Profile } from './profile.js'

/** A merge of two profiles, as recorded (and published as a `profile.merged` event). */
export interface MergeRecord {
  /** The profile that survives. */
  readonly survivorId: string
  /** The profiles merged into it (they no longer exist). */
  readonly mergedIds: readonly string[]
  /** Why (which identifier linked them). */
  readonly reason: string
}

/** An identifier the rules refused to link, and why. */
export interface RefusedLink {
  readonly kind: string
  readonly value: string
  readonly reason: string
}

/**
 * The outcome of {@link ProfileStore.resolve}. Build it with `planResolution`, which every store
 * shares, so refusals and merges are decided the same way everywhere.
 */
export interface ResolveResult {
  /**
   * The customer the identity belongs to; undefined with `create: false` and no match, or when
   * every identifier was blocked (a shared device alone tells nobody apart).
   */
  readonly profileId: string | undefined
  /** A new profile was created. */
  readonly created: boolean
  /** Merges performed while linking. */
  readonly merges: readonly MergeRecord[]
  /** Identifiers not linked because a rule forbade it. */
  readonly refused: readonly RefusedLink[]
}

/** The outcome of {@link ProfileStore.apply}. */
export interface ApplyResult {
  /** The profile after the event. */
  readonly profile: Profile
  /** False when the event id had been applied before (nothing changed). */
  readonly applied: boolean
}

/** Who has interest `kind` in `sku` (the fan-out path for product-level triggers). */
export interface InterestQuery {
  /** The interest, e.g. `tried_on`. */
  readonly kind: InterestKind
  /** The item. */
  readonly sku: string
  /** Only interests at or after this instant (ISO). */
  readonly since?: string
  /** Exclude profiles with this interest in the same item at or after their `kind` interest (e.g. `purchased`). */
  readonly unless?: InterestKind
}

/** Everything the hub holds about a person (APPI/GDPR export). */
export interface PersonExport {
  readonly profile: Profile
  readonly exportedAt: string
}

/**
 * The ProfileStore port. Implementations: the memory store here, `@omotenashi/store-postgres`,
 * `@omotenashi/store-redis`. Every one must pass `describeProfileStoreContract` from
 * `@omotenashi/profile/testing`.
 */
export interface ProfileStore {
  /** A profile by customer id (following merges: a merged-away id yields the survivor). */
  get(customerId: string): Promise<Profile | undefined>
  /** Identifiers to a customer: finds, creates (unless `create: false`) or merges, under the rules. */
  resolve(identity: Identity, options?: { readonly create?: boolean; readonly at?: string }): Promise<ResolveResult>
  /** Applies an event to a profile atomically and idempotently (by event id). */
  apply(customerId: string, event: OmoEvent): Promise<ApplyResult>
  /** Streams the ids of profiles matching an interest query. */
  findByInterest(query: InterestQuery): AsyncIterable<string>
  /** Everything about a person. */
  export(customerId: string): Promise<PersonExport | undefined>
  /** Erases a person everywhere in the store: profile, identifiers, indexes. Returns records removed. */
  eraseCustomer(customerId: string): Promise<number>
  /** Opens connections, applies migrations. */
  init?(): Promise<void>
  /** Closes what the store opened (never a client it was given). */
  destroy?(): Promise<void>
}
