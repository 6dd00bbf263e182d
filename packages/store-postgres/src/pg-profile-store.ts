import { createHash, randomUUID } from 'node:crypto'
import { ErrorCode, OmotenashiError, SystemClock, type Clock, type Identity, type OmoEvent } from '@omotenashi/core'
import {
  applyEventOnce,
  claimIdentifiers,
  copyProfile,
  identifierChanges,
  identifierKey,
  interestChanges,
  matchesInterest,
  parseInterestQuery,
  planResolution,
  ProfileRules,
  type ApplyResult,
  type InterestQuery,
  type PersonExport,
  type Profile,
  type ProfileStore,
  type ResolutionState,
  type ResolveResult,
} from '@omotenashi/profile'
import pg, { type PoolClient } from 'pg'
import type { PgDatabase } from './database.js'

/** Options of {@link PgProfileStore}. */
export interface PgProfileStoreOptions {
  /** The rules to resolve and apply with (share the hub's: `ProfileTokens.Rules`). Default: `new ProfileRules()`. */
  readonly rules?: ProfileRules | undefined
  /** Clock for `resolve` without `at` and for exports. Default: system clock. */
  readonly clock?: Clock | undefined
  /** New profile ids. Default: random UUIDs. */
  readonly newId?: (() => string) | undefined
  /** Most events written in one transaction by `apply` (concurrent calls are batched) and `applyBatch`. Default 500. */
  readonly batchSize?: number | undefined
  /**
   * Profiles kept in process (least recently used go first) so applying reads a body only when
   * the row changed since: the row version is always checked under the row lock, so the cache is
   * never stale. A worker owning a partition of customers mostly hits it. 0 turns it off. Default 10 000.
   */
  readonly cacheSize?: number | undefined
}

/** One item of {@link PgProfileStore.applyBatch}. */
export interface BatchApplyItem {
  readonly customerId: string
  readonly event: OmoEvent
}

/** The outcome of one item of a batch: applied (or a duplicate), or refused with its error. */
export type BatchApplyOutcome = ({ readonly ok: true } & ApplyResult) | { readonly ok: false; readonly error: Error }

interface Pending {
  readonly item: BatchApplyItem
  readonly resolve: (result: ApplyResult) => void
  readonly reject: (error: unknown) => void
}

/** A row of the resolution read: an identifier's owner ('o', key null for the customerId's survivor) or a profile ('p'). */
interface StateRow {
  readonly kind: 'o' | 'p'
  readonly key: string | null
  readonly id: string
  readonly body: Profile | null
}

/** planResolution's state as read here, with the customerId's survivor (the owners stay mutable: dangling entries are dropped). */
interface ReadState extends ResolutionState {
  readonly owners: Map<string, string>
  readonly customerId: string | undefined
  /** Every owner's profile was read (false: one was merged away in between; read again). */
  readonly complete: boolean
}

/** Errors after which a transaction is simply run again (deadlock, serialization failure). */
const RETRYABLE = new Set(['40P01', '40001'])
const MAX_RETRIES = 20
const INTEREST_PAGE = 500

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The ProfileStore on PostgreSQL. It holds no profile logic of its own: resolution is
 * `planResolution` and every change is `applyEventOnce` from `@omotenashi/profile`, so it behaves
 * exactly like the memory store; this class only makes each step atomic and durable.
 *
 * - Profiles are json rows; the identity graph (`profile_identifiers`), merge aliases and the
 *   interest index are tables kept in the same transaction as the profile.
 * - `resolve` takes transaction-scoped advisory locks on the identifiers' hashes (so two
 *   resolutions of overlapping identities run one after the other) and row locks on the
 *   profiles it reads (so a concurrent apply or merge waits or is seen).
 * - `apply` batches concurrent calls: up to `batchSize` events go in one transaction that locks
 *   their profiles (`FOR UPDATE`, in id order), reduces every event in memory and writes each
 *   profile once. Idempotent by event id (the reducer remembers recent ids on the profile).
 * - Deadlocks and serialization failures are retried.
 */
export class PgProfileStore implements ProfileStore {
  /** The rules this store resolves and applies with. */
  readonly rules: ProfileRules
  readonly #db: PgDatabase
  readonly #clock: Clock
  readonly #newId: () => string
  readonly #batchSize: number
  readonly #cacheSize: number
  /** Asked id → the profile it led to and the row version (xmin) it was read or written at. Profiles are immutable values. */
  readonly #cache = new Map<string, { readonly id: string; readonly stamp: string; readonly profile: Profile }>()
  #queue: Pending[] = []
  #flushing = 0
  #scheduled = false

  constructor(db: PgDatabase, options: PgProfileStoreOptions = {}) {
    this.#db = db
    this.rules = options.rules ?? new ProfileRules()
    this.#clock = options.clock ?? new SystemClock()
    this.#newId = options.newId ?? randomUUID
    this.#batchSize = options.batchSize ?? 500
    this.#cacheSize = options.cacheSize ?? 10_000
  }

  /** Applies migrations (idempotent). */
  init(): Promise<void> {
    return this.#db.init()
  }

  #t(name: string): string {
    return this.#db.t(name)
  }

  async get(customerId: string): Promise<Profile | undefined> {
    const [row] = await this.#db.query<{ body: Profile }>(
      `SELECT p.body FROM ${this.#t('profiles')} p
       WHERE p.id = COALESCE((SELECT survivor_id FROM ${this.#t('profile_aliases')} WHERE old_id = $1), $1)`,
      [customerId],
    )
    return row?.body
  }

  async resolve(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): Promise<ResolveResult> {
    // Throws a ValidationError naming the malformed identifier before anything is touched.
    const normalised = this.rules.identifiers.normalise(identity)
    const keys = normalised.identifiers.map((ref) => identifierKey(ref.kind, ref.value))
    const at = options.at ?? iso(this.#clock.now())
    const create = options.create ?? true
    // Most events name a customer the store knows, with identifiers it already holds and whose
    // lastSeen has not moved: one unlocked read (one statement, so one snapshot) plans that as
    // nothing to write, and no transaction, advisory lock or row lock is taken — one round trip
    // instead of four. What would write goes through the transaction, which reads again under its
    // locks. A merge committed just after the read is ordered after this call, as it would be
    // after the transaction's commit.
    const seen = await this.#readState(undefined, keys, normalised.customerId, false)
    const plan = planResolution({ ...normalised, customerId: seen.customerId }, seen, this.rules, { create, at, newId: this.#newId })
    if (!create || (seen.complete && !plan.write)) return plan.result
    const lockKeys = normalised.customerId === undefined ? keys : [...keys, `customerId:${normalised.customerId}`]
    // BEGIN, the advisory locks and the first locked read go as one round trip (the read's values
    // spliced in as escaped literals), so an identify that writes keeps the four round trips it
    // had before the unlocked read above (that read, this, the write, COMMIT); PostgreSQL still
    // reads twice, which bench/stores.ts shows as about a fifth fewer events/s when every event
    // writes, against about half as many again when none does.
    const begin = `${this.#lockingBegin(lockKeys)}; ${this.#stateSql(pg.escapeLiteral, keys, normalised.customerId, true)}`
    return this.#retrying(() =>
      this.#db.transaction(async (c, begun) => {
        for (let pass = 1; ; pass++) {
          const state = pass === 1 ? this.#stateOf(begun[begun.length - 1]!.rows as StateRow[]) : await this.#readState(c, keys, normalised.customerId, true)
          // A profile we were told owns an identifier was merged away before we locked it: read
          // again (a new statement sees the merge). An owner that stays missing is a dangling index entry.
          if (!state.complete && pass < 3) continue
          for (const [key, owner] of state.owners) if (!state.profiles.has(owner)) state.owners.delete(key)
          const plan = planResolution({ ...normalised, customerId: state.customerId }, state, this.rules, { create: true, at, newId: this.#newId })
          const write = plan.write
          if (write) {
            const skus = plan.deleted.length > 0 || plan.result.created ? Object.keys(write.interests) : []
            await c.query(
              `WITH
                 del_p AS (DELETE FROM ${this.#t('profiles')} WHERE id = ANY($2::text[])),
                 del_i AS (DELETE FROM ${this.#t('profile_interests')} WHERE profile_id = ANY($2::text[])),
                 ali AS (INSERT INTO ${this.#t('profile_aliases')} (old_id, survivor_id) SELECT unnest($3::text[]), $1
                         ON CONFLICT (old_id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id),
                 unl AS (DELETE FROM ${this.#t('profile_identifiers')} WHERE key = ANY($4::text[]) AND (profile_id = $1 OR profile_id = ANY($2::text[]))),
                 lnk AS (INSERT INTO ${this.#t('profile_identifiers')} (key, profile_id) SELECT unnest($5::text[]), $1
                         ON CONFLICT (key) DO UPDATE SET profile_id = EXCLUDED.profile_id),
                 ins AS (INSERT INTO ${this.#t('profile_interests')} (sku, profile_id) SELECT unnest($6::text[]), $1 ON CONFLICT DO NOTHING)
               INSERT INTO ${this.#t('profiles')} (id, version, body) VALUES ($1, $7, $8::json)
               ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body`,
              [write.id, plan.deleted, plan.aliases, plan.unlink, plan.link, skus, write.version, JSON.stringify(write)],
            )
          }
          return plan.result
        }
      }, begin),
    )
  }

  /** Applies one event. Concurrent calls are written together in batches of up to `batchSize`. */
  apply(customerId: string, event: OmoEvent): Promise<ApplyResult> {
    return new Promise<ApplyResult>((resolve, reject) => {
      this.#queue.push({ item: { customerId, event }, resolve, reject })
      this.#schedule()
    })
  }

  /**
   * Applies many events, in order per customer, in transactions of up to `batchSize` events.
   * Every item gets its own outcome: an unknown customer is reported for that item and the
   * others are applied.
   */
  async applyBatch(items: readonly BatchApplyItem[]): Promise<BatchApplyOutcome[]> {
    const out: BatchApplyOutcome[] = []
    for (let i = 0; i < items.length; i += this.#batchSize) {
      out.push(...(await this.#retrying(() => this.#applyChunk(items.slice(i, i + this.#batchSize)))))
    }
    return out
  }

  async *findByInterest(query: InterestQuery): AsyncIterable<string> {
    const q = parseInterestQuery(query)
    let after = ''
    for (;;) {
      // Keyset pages: memory stays flat however many profiles match, and a consumer may stop early.
      const rows = await this.#db.query<{ profile_id: string; kinds: Profile['interests'][string] | null }>(
        `SELECT i.profile_id, p.body->'interests'->$1 AS kinds
         FROM ${this.#t('profile_interests')} i JOIN ${this.#t('profiles')} p ON p.id = i.profile_id
         WHERE i.sku = $1 AND i.profile_id > $2 ORDER BY i.profile_id LIMIT $3`,
        [q.sku, after, INTEREST_PAGE],
      )
      for (const row of rows) {
        if (row.kinds && matchesInterest({ interests: { [q.sku]: row.kinds } }, q)) yield row.profile_id
      }
      if (rows.length < INTEREST_PAGE) return
      after = rows[rows.length - 1]!.profile_id
    }
  }

  async export(customerId: string): Promise<PersonExport | undefined> {
    const profile = await this.get(customerId)
    return profile && { profile, exportedAt: iso(this.#clock.now()) }
  }

  async eraseCustomer(customerId: string): Promise<number> {
    return this.#retrying(() =>
      this.#db.transaction(async (c) => {
        const id = await this.#follow(c, customerId)
        const { rows } = await c.query<{ id: string }>(`SELECT id FROM ${this.#t('profiles')} WHERE id = $1 FOR UPDATE`, [id])
        if (rows.length === 0) return 0
        const { rows: counts } = await c.query<{ n: number }>(
          `WITH
             i AS (DELETE FROM ${this.#t('profile_identifiers')} WHERE profile_id = $1 RETURNING 1),
             a AS (DELETE FROM ${this.#t('profile_aliases')} WHERE survivor_id = $1 RETURNING 1),
             x AS (DELETE FROM ${this.#t('profile_interests')} WHERE profile_id = $1 RETURNING 1),
             p AS (DELETE FROM ${this.#t('profiles')} WHERE id = $1 RETURNING 1)
           SELECT ((SELECT count(*) FROM i) + (SELECT count(*) FROM a) + (SELECT count(*) FROM x) + (SELECT count(*) FROM p))::int AS n`,
          [id],
        )
        return counts[0]?.n ?? 0
      }),
    )
  }

  // ---- apply batching -------------------------------------------------------------------------

  #schedule(): void {
    if (this.#scheduled || this.#flushing >= 4 || this.#queue.length === 0) return
    this.#scheduled = true
    // One turn of the event loop lets concurrent callers join the batch.
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.#batchSize)
    if (batch.length === 0) return
    this.#flushing++
    // More waiting than one batch holds: start the next one alongside.
    this.#schedule()
    try {
      const outcomes = await this.#retrying(() => this.#applyChunk(batch.map((p) => p.item)))
      outcomes.forEach((outcome, i) => {
        const pending = batch[i]!
        if (outcome.ok) pending.resolve({ profile: outcome.profile, applied: outcome.applied })
        else pending.reject(outcome.error)
      })
    } catch (error) {
      for (const pending of batch) pending.reject(error)
    } finally {
      this.#flushing--
      this.#schedule()
    }
  }

  async #applyChunk(items: readonly BatchApplyItem[]): Promise<BatchApplyOutcome[]> {
    return this.#db.transaction(async (c) => {
      const idOf = new Map<string, string>()
      const before = new Map<string, Profile>()
      let missing = [...new Set(items.map((i) => i.customerId))]
      // Follow aliases and lock the profiles in id order (one statement), so batches rarely deadlock
      // on rows. A profile merged away while we waited for its lock is skipped by the statement: the
      // next pass (a new snapshot) follows the merge's alias to the survivor.
      for (let pass = 0; pass < 3 && missing.length > 0; pass++) {
        // A body is only sent when our cached copy is not the current row version (xmin names the
        // transaction that wrote the row, so it changes with every write, by any worker).
        const known = missing.map((asked) => this.#cache.get(asked))
        const { rows } = await c.query<{ asked: string; id: string; stamp: string; body: Profile | null }>(
          `SELECT x.asked, p.id, p.xmin::text AS stamp,
                  CASE WHEN p.id = x.known_id AND p.xmin::text = x.known_stamp THEN NULL ELSE p.body END AS body
           FROM unnest($1::text[], $2::text[], $3::text[]) AS x(asked, known_id, known_stamp)
           LEFT JOIN ${this.#t('profile_aliases')} a ON a.old_id = x.asked
           JOIN ${this.#t('profiles')} p ON p.id = COALESCE(a.survivor_id, x.asked)
           ORDER BY p.id FOR UPDATE OF p`,
          [missing, known.map((k) => k?.id ?? null), known.map((k) => k?.stamp ?? null)],
        )
        for (const r of rows) {
          const body = r.body ?? this.#cache.get(r.asked)?.profile
          if (!body) throw new Error(`profile "${r.id}" came without a body and is not cached`)
          idOf.set(r.asked, r.id)
          before.set(r.id, body)
        }
        missing = missing.filter((id) => !idOf.has(id))
      }
      const current = new Map(before)
      const outcomes: BatchApplyOutcome[] = []
      for (const { customerId, event } of items) {
        const id = idOf.get(customerId)
        const profile = id === undefined ? undefined : current.get(id)
        if (id === undefined || !profile) {
          outcomes.push({ ok: false, error: new OmotenashiError(ErrorCode.NotFound, `no profile "${customerId}": resolve the identity first`) })
          continue
        }
        const result = applyEventOnce(profile, event, this.rules)
        if (result.applied) current.set(id, result.profile)
        outcomes.push({ ok: true, profile: result.profile, applied: result.applied })
      }
      const changed = [...current].filter(([id, p]) => before.get(id) !== p)
      if (changed.length === 0) return outcomes
      const final = await this.#writeIdentifiers(c, changed.map(([id, p]) => [before.get(id)!, p] as const))
      const skus: string[] = []
      const skuOwners: string[] = []
      for (const [id, p] of final) {
        for (const sku of interestChanges(before.get(id)!, p).added) {
          skus.push(sku)
          skuOwners.push(id)
        }
      }
      const { rows: written } = await c.query<{ id: string; stamp: string }>(
        `WITH
           upd AS (UPDATE ${this.#t('profiles')} p SET version = (v.value->>'version')::int, body = v.value
                   FROM json_array_elements($1::json) v WHERE p.id = v.value->>'id' RETURNING p.id, p.xmin::text AS stamp),
           ins AS (INSERT INTO ${this.#t('profile_interests')} (sku, profile_id) SELECT unnest($2::text[]), unnest($3::text[]) ON CONFLICT DO NOTHING)
         SELECT id, stamp FROM upd`,
        // One json document, not a text[] of bodies: no array-literal escaping of every quote in
        // Node, and json's -> hands each element to the row as the text it was, unparsed.
        [JSON.stringify(final.map(([, p]) => p)), skus, skuOwners],
      )
      // Callers see what was stored: an identifier another person holds is not on their profile.
      const stored = new Map(final)
      const stamps = new Map(written.map((w) => [w.id, w.stamp]))
      for (const [asked, id] of idOf) {
        const stamp = stamps.get(id)
        if (stamp !== undefined) this.#remember(asked, { id, stamp, profile: stored.get(id)! })
      }
      return outcomes.map((o, i) => {
        if (!o.ok || !o.applied) return o
        const id = idOf.get(items[i]!.customerId)!
        const last = items.findLastIndex((it) => idOf.get(it.customerId) === id)
        return i === last ? { ...o, profile: stored.get(id)! } : o
      })
    })
  }

  /**
   * Indexes identifiers the events added (push tokens…) and drops those they removed. An added
   * identifier another person already holds is not taken ({@link claimIdentifiers}, as every
   * store does).
   */
  async #writeIdentifiers(c: PoolClient, changes: ReadonlyArray<readonly [Profile, Profile]>): Promise<Array<[string, Profile]>> {
    const added: Array<[string, string]> = []
    const removed: Array<[string, string]> = []
    const diffs = changes.map(([b, a]) => identifierChanges(b, a))
    changes.forEach(([, a], i) => {
      for (const key of diffs[i]!.added) added.push([key, a.id])
      for (const key of diffs[i]!.removed) removed.push([key, a.id])
    })
    const final = new Map(changes.map(([, a]) => [a.id, a]))
    if (added.length > 0) {
      await this.#lock(c, added.map(([key]) => key))
      // Every wanted key's owner after the insert: the rows it inserted (one per key, whichever of
      // a batch's profiles came first) and the rows that were there before (the statement's snapshot).
      const { rows } = await c.query<{ key: string; profile_id: string }>(
        `WITH want AS (SELECT unnest($1::text[]) AS key, unnest($2::text[]) AS profile_id),
              ins AS (INSERT INTO ${this.#t('profile_identifiers')} (key, profile_id) SELECT key, profile_id FROM want ON CONFLICT (key) DO NOTHING RETURNING key, profile_id)
         SELECT key, profile_id FROM ins
         UNION ALL
         SELECT i.key, i.profile_id FROM ${this.#t('profile_identifiers')} i WHERE i.key IN (SELECT key FROM want)`,
        [added.map(([k]) => k), added.map(([, id]) => id)],
      )
      const owners = new Map(rows.map((r) => [r.key, r.profile_id]))
      changes.forEach(([, a], i) => {
        const claims = claimIdentifiers(a.identifiers, diffs[i]!.added, (key) => {
          const owner = owners.get(key)
          return owner !== undefined && owner !== a.id
        })
        if (claims.identifiers === a.identifiers) return
        const kept = copyProfile(a)
        kept.identifiers = claims.identifiers
        final.set(a.id, kept)
      })
    }
    if (removed.length > 0) {
      await c.query(
        `DELETE FROM ${this.#t('profile_identifiers')} i USING (SELECT unnest($1::text[]) AS key, unnest($2::text[]) AS profile_id) r
         WHERE i.key = r.key AND i.profile_id = r.profile_id`,
        [removed.map(([k]) => k), removed.map(([, id]) => id)],
      )
    }
    return [...final]
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Keeps what `asked` leads to, evicting the least recently used beyond the cache size. */
  #remember(asked: string, entry: { readonly id: string; readonly stamp: string; readonly profile: Profile }): void {
    if (this.#cacheSize === 0) return
    this.#cache.delete(asked)
    this.#cache.set(asked, entry)
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!)
  }

  /** Transaction-scoped advisory locks on the keys' hashes, in a fixed order (no lock-order deadlocks). */
  async #lock(c: PoolClient, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    await c.query('SELECT pg_advisory_xact_lock(x) FROM unnest($1::bigint[]) AS x', [this.#lockIds(keys)])
  }

  /** `BEGIN` plus the advisory locks of `keys`, as one simple-protocol round trip. */
  #lockingBegin(keys: readonly string[]): string {
    const ids = this.#lockIds(keys)
    // The ids are integers computed here, so splicing them into the SQL text is safe.
    return ids.length === 0 ? 'BEGIN' : `BEGIN; SELECT pg_advisory_xact_lock(x) FROM unnest(ARRAY[${ids.join(',')}]::bigint[]) AS x`
  }

  /** 64-bit lock ids of identifier keys in this schema, sorted and unique. */
  #lockIds(keys: readonly string[]): string[] {
    const ids = new Set<bigint>()
    for (const key of keys) ids.add(createHash('sha256').update(`${this.#db.schema}\n${key}`).digest().readBigInt64BE(0))
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String)
  }

  async #follow(c: PoolClient, id: string): Promise<string> {
    const { rows } = await c.query<{ survivor_id: string }>(`SELECT survivor_id FROM ${this.#t('profile_aliases')} WHERE old_id = $1`, [id])
    return rows[0]?.survivor_id ?? id
  }

  /**
   * One statement: the owners of the keys, where the customerId leads, and those profiles
   * (locked with `lock`). `value` writes a parameter into the SQL: a placeholder, or an escaped
   * literal where the statement goes in a simple-protocol query with others.
   */
  #stateSql(value: (text: string, index: number) => string, keys: readonly string[], customerId: string | undefined, lock: boolean): string {
    const keyArray = `ARRAY[${keys.map((key, i) => value(key, i)).join(',')}]::text[]`
    const customer = customerId === undefined ? 'NULL::text' : `${value(customerId, keys.length)}::text`
    return `WITH o AS (
         SELECT key, profile_id FROM ${this.#t('profile_identifiers')} WHERE key = ANY(${keyArray})
         UNION ALL
         SELECT NULL, COALESCE((SELECT survivor_id FROM ${this.#t('profile_aliases')} WHERE old_id = ${customer}), ${customer}) WHERE ${customer} IS NOT NULL
       ), p AS (
         SELECT id, body FROM ${this.#t('profiles')} WHERE id IN (SELECT profile_id FROM o) ORDER BY id${lock ? ' FOR UPDATE' : ''}
       )
       SELECT 'o' AS kind, key, profile_id AS id, NULL::json AS body FROM o
       UNION ALL SELECT 'p', NULL, id, body FROM p`
  }

  /** Reads owners of `keys` and their profiles (locked when `lock`), plus the `customerId` profile. */
  async #readState(c: PoolClient | undefined, keys: readonly string[], customerId: string | undefined, lock: boolean): Promise<ReadState> {
    const text = this.#stateSql((_, i) => `$${i + 1}`, keys, customerId, lock)
    const values = customerId === undefined ? [...keys] : [...keys, customerId]
    return this.#stateOf(c ? (await c.query<StateRow>(text, values)).rows : await this.#db.query<StateRow>(text, values))
  }

  /** The state planResolution takes, from the read's rows. */
  #stateOf(rows: readonly StateRow[]): ReadState {
    const owners = new Map<string, string>()
    const profiles = new Map<string, Profile>()
    let followed: string | undefined
    for (const row of rows) {
      if (row.kind === 'p') profiles.set(row.id, row.body!)
      else if (row.key === null) followed = row.id
      else owners.set(row.key, row.id)
    }
    const complete = [...owners.values()].every((id) => profiles.has(id))
    return { owners, profiles, customerId: followed, complete }
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (error) {
        const code = (error as { code?: string }).code
        if (attempt >= MAX_RETRIES || code === undefined || !RETRYABLE.has(code)) throw error
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)))
      }
    }
  }
}
