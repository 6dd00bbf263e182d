import { randomUUID } from 'node:crypto'
import { ErrorCode, OmotenashiError, SystemClock, type Clock, type Identity, type OmoEvent } from '@omotenashi/core'
import {
  applyEventOnce,
  identifierChanges,
  identifierKey,
  identifiersOfProfile,
  interestChanges,
  matchesInterest,
  parseInterestQuery,
  planResolution,
  ProfileRules,
  withoutIdentifier,
  type ApplyResult,
  type InterestQuery,
  type PersonExport,
  type Profile,
  type ProfileStore,
  type ResolveResult,
} from '@omotenashi/profile'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>p:<id>        hash { v: version, b: profile JSON }
//       <p>alias:<old>   string: the survivor a merged-away id leads to
//       <p>id:<kind:value>  string: the profile owning that identifier (the identity graph)
//       <p>int:<sku>     set of profile ids with any interest in the item

/**
 * Compare-and-set: every check must hold, then every write is done, in one atomic script. The
 * caller read state, planned with the profile package's pure functions, and sends back what it
 * read as checks: a concurrent change makes the checks fail (-1) and the caller plans again.
 * Returns how many records the delete-type writes removed.
 *
 * ARGV: nChecks, then (type, key, expected) per check — `g`: GET equals (`''` = absent),
 * `v`: the hash's version equals (`''` = absent) — then (op, key, a, b) per write.
 */
const CAS = new LuaScript(`
local n = tonumber(ARGV[1])
local i = 2
for _ = 1, n do
  local t, k, want = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local have
  if t == 'g' then have = redis.call('GET', k) else have = redis.call('HGET', k, 'v') end
  if not have then have = '' end
  if have ~= want then return -1 end
  i = i + 3
end
local removed = 0
while i <= #ARGV do
  local op, k, a, b = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if op == 'set' then redis.call('SET', k, a)
  elseif op == 'hset' then redis.call('HSET', k, 'v', a, 'b', b)
  elseif op == 'del' then removed = removed + redis.call('DEL', k)
  elseif op == 'delif' then
    if redis.call('GET', k) == a then removed = removed + redis.call('DEL', k) end
  elseif op == 'sadd' then redis.call('SADD', k, a)
  elseif op == 'srem' then removed = removed + redis.call('SREM', k, a)
  end
  i = i + 4
end
return removed`)

/** Follows an alias and reads the profile in one atomic step: { id, version, body } or {}. */
const READ = new LuaScript(`
local id = redis.call('GET', ARGV[1] .. 'alias:' .. ARGV[2]) or ARGV[2]
local h = redis.call('HMGET', ARGV[1] .. 'p:' .. id, 'v', 'b')
if not h[1] then return {} end
return {id, h[1], h[2]}`)

/** Options of {@link RedisProfileStore}. */
export interface RedisProfileStoreOptions {
  /** The rules to resolve and apply with (share the hub's: `ProfileTokens.Rules`). Default: `new ProfileRules()`. */
  readonly rules?: ProfileRules | undefined
  /** Clock for `resolve` without `at` and for exports. Default: system clock. */
  readonly clock?: Clock | undefined
  /** New profile ids. Default: random UUIDs. */
  readonly newId?: (() => string) | undefined
  /** Attempts before a contended write gives up with a conflict error. Default 200. */
  readonly maxAttempts?: number | undefined
}

/** One item of {@link RedisProfileStore.applyBatch}. */
export interface RedisBatchApplyItem {
  readonly customerId: string
  readonly event: OmoEvent
}

/** The outcome of one item of a batch. */
export type RedisBatchApplyOutcome = ({ readonly ok: true } & ApplyResult) | { readonly ok: false; readonly error: Error }

type Check = readonly ['g' | 'v', string, string]
type Op = readonly ['set' | 'hset' | 'del' | 'delif' | 'sadd' | 'srem', string, string?, string?]

interface Read {
  readonly id: string
  readonly version: string
  readonly profile: Profile
}

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The ProfileStore on Redis. Resolution is `planResolution` and every change `applyEventOnce`
 * from `@omotenashi/profile` (no profile logic here); each write is an optimistic
 * compare-and-set in one Lua script that checks the versions and identifier owners it read, and
 * retries from a fresh read when another writer got there first. Works on one Redis node or
 * Sentinel (the scripts name keys they compute, so not on Redis Cluster).
 */
export class RedisProfileStore implements ProfileStore {
  /** The rules this store resolves and applies with. */
  readonly rules: ProfileRules
  readonly #r: RedisConnection
  readonly #clock: Clock
  readonly #newId: () => string
  readonly #maxAttempts: number

  constructor(connection: RedisConnection, options: RedisProfileStoreOptions = {}) {
    this.#r = connection
    this.rules = options.rules ?? new ProfileRules()
    this.#clock = options.clock ?? new SystemClock()
    this.#newId = options.newId ?? randomUUID
    this.#maxAttempts = options.maxAttempts ?? 200
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  #k(name: string): string {
    return this.#r.key(name)
  }

  async get(customerId: string): Promise<Profile | undefined> {
    return (await this.#read(customerId))?.profile
  }

  async resolve(identity: Identity, options: { readonly create?: boolean; readonly at?: string } = {}): Promise<ResolveResult> {
    // Throws a ValidationError naming the malformed identifier before anything is touched.
    const normalised = this.rules.identifiers.normalise(identity)
    const keys = normalised.identifiers.map((ref) => identifierKey(ref.kind, ref.value))
    const at = options.at ?? iso(this.#clock.now())
    const create = options.create ?? true
    return this.#attempts(async (attempt) => {
      const client = this.#r.client
      const aliasKey = normalised.customerId === undefined ? undefined : this.#k(`alias:${normalised.customerId}`)
      const wanted = [...keys.map((key) => this.#k(`id:${key}`)), ...(aliasKey ? [aliasKey] : [])]
      const read = wanted.length === 0 ? [] : await client.mget(...wanted)
      const owners = new Map<string, string>()
      keys.forEach((key, i) => {
        const owner = read[i]
        if (owner != null) owners.set(key, owner)
      })
      const alias = aliasKey ? (read[keys.length] ?? null) : null
      const customerId = normalised.customerId === undefined ? undefined : (alias ?? normalised.customerId)
      const ids = [...new Set([...owners.values(), ...(customerId === undefined ? [] : [customerId])])]
      const versions = new Map<string, string>()
      const profiles = new Map<string, Profile>()
      if (ids.length > 0) {
        const pipeline = client.pipeline()
        for (const id of ids) pipeline.hmget(this.#k(`p:${id}`), 'v', 'b')
        const results = (await pipeline.exec()) ?? []
        results.forEach(([error, value], i) => {
          if (error) throw error
          const [v, b] = value as [string | null, string | null]
          if (v !== null && b !== null) {
            versions.set(ids[i]!, v)
            profiles.set(ids[i]!, JSON.parse(b) as Profile)
          }
        })
      }
      // An owner merged away between our two reads: read again (a lasting miss is a dangling index entry).
      const dangling = [...owners].filter(([, id]) => !profiles.has(id))
      if (dangling.length > 0 && attempt < 3) return undefined
      for (const [key] of dangling) owners.delete(key)
      const plan = planResolution({ ...normalised, customerId }, { owners, profiles }, this.rules, { create, at, newId: this.#newId })
      const write = plan.write
      if (!create || !write) return plan.result
      const checks: Check[] = keys.map((key) => ['g', this.#k(`id:${key}`), read[keys.indexOf(key)] ?? ''] as const)
      if (aliasKey) checks.push(['g', aliasKey, alias ?? ''])
      for (const id of new Set([...ids, write.id])) checks.push(['v', this.#k(`p:${id}`), versions.get(id) ?? ''])
      const ops: Op[] = []
      for (const id of plan.deleted) {
        ops.push(['del', this.#k(`p:${id}`)])
        for (const sku of Object.keys(profiles.get(id)?.interests ?? {})) ops.push(['srem', this.#k(`int:${sku}`), id])
      }
      for (const old of plan.aliases) ops.push(['set', this.#k(`alias:${old}`), write.id])
      if (plan.unlink.length > 0) {
        // Unlink only where the index still names the profile the key was dropped from.
        const holder = new Map<string, string>()
        for (const id of [write.id, ...plan.deleted]) {
          const p = profiles.get(id)
          if (p) for (const r of identifiersOfProfile(p)) holder.set(identifierKey(r.kind, r.value), id)
        }
        for (const key of plan.unlink) {
          const id = holder.get(key)
          if (id !== undefined) ops.push(['delif', this.#k(`id:${key}`), id])
        }
      }
      for (const key of plan.link) ops.push(['set', this.#k(`id:${key}`), write.id])
      ops.push(['hset', this.#k(`p:${write.id}`), String(write.version), JSON.stringify(write)])
      if (plan.deleted.length > 0 || plan.result.created) {
        for (const sku of Object.keys(write.interests)) ops.push(['sadd', this.#k(`int:${sku}`), write.id])
      }
      return (await this.#cas(checks, ops)) < 0 ? undefined : plan.result
    })
  }

  async apply(customerId: string, event: OmoEvent): Promise<ApplyResult> {
    const [outcome] = await this.#applyEvents(customerId, [event])
    if (!outcome!.ok) throw outcome!.error
    return { profile: outcome!.profile, applied: outcome!.applied }
  }

  /**
   * Applies many events: those of one customer are reduced together and written with one
   * compare-and-set, customers run concurrently (ioredis pipelines their commands). Every item
   * gets its own outcome, in input order; an unknown customer fails only its items.
   */
  async applyBatch(items: readonly RedisBatchApplyItem[]): Promise<RedisBatchApplyOutcome[]> {
    const groups = new Map<string, number[]>()
    items.forEach((item, i) => {
      const group = groups.get(item.customerId)
      if (group) group.push(i)
      else groups.set(item.customerId, [i])
    })
    const out: RedisBatchApplyOutcome[] = new Array(items.length)
    await Promise.all(
      [...groups].map(async ([customerId, indexes]) => {
        try {
          const outcomes = await this.#applyEvents(customerId, indexes.map((i) => items[i]!.event))
          outcomes.forEach((o, j) => (out[indexes[j]!] = o))
        } catch (error) {
          for (const i of indexes) out[i] = { ok: false, error: error as Error }
        }
      }),
    )
    return out
  }

  async *findByInterest(query: InterestQuery): AsyncIterable<string> {
    const q = parseInterestQuery(query)
    let cursor = '0'
    const seen = new Set<string>()
    do {
      // SSCAN pages: memory stays flat however many profiles match, and a consumer may stop early.
      const [next, ids] = await this.#r.client.sscan(this.#k(`int:${q.sku}`), cursor, 'COUNT', 500)
      cursor = next
      const fresh = ids.filter((id) => !seen.has(id))
      if (fresh.length === 0) continue
      const pipeline = this.#r.client.pipeline()
      for (const id of fresh) pipeline.hget(this.#k(`p:${id}`), 'b')
      const bodies = (await pipeline.exec()) ?? []
      for (const [i, [error, body]] of bodies.entries()) {
        const id = fresh[i]!
        seen.add(id) // SSCAN may return an element twice
        if (!error && typeof body === 'string' && matchesInterest(JSON.parse(body) as Profile, q)) yield id
      }
    } while (cursor !== '0')
  }

  async export(customerId: string): Promise<PersonExport | undefined> {
    const read = await this.#read(customerId)
    return read && { profile: read.profile, exportedAt: iso(this.#clock.now()) }
  }

  async eraseCustomer(customerId: string): Promise<number> {
    return this.#attempts(async () => {
      const read = await this.#read(customerId)
      if (!read) return 0
      const { id, profile } = read
      const ops: Op[] = [['del', this.#k(`p:${id}`)]]
      for (const r of identifiersOfProfile(profile)) ops.push(['delif', this.#k(`id:${identifierKey(r.kind, r.value)}`), id])
      for (const sku of Object.keys(profile.interests)) ops.push(['srem', this.#k(`int:${sku}`), id])
      for (const old of profile.mergedFrom) ops.push(['delif', this.#k(`alias:${old}`), id])
      const removed = await this.#cas([['v', this.#k(`p:${id}`), read.version]], ops)
      return removed < 0 ? undefined : removed
    })
  }

  // ---- internals ------------------------------------------------------------------------------

  async #applyEvents(customerId: string, events: readonly OmoEvent[]): Promise<RedisBatchApplyOutcome[]> {
    return this.#attempts(async () => {
      const read = await this.#read(customerId)
      if (!read) {
        const error = new OmotenashiError(ErrorCode.NotFound, `no profile "${customerId}": resolve the identity first`)
        return events.map(() => ({ ok: false, error }) as const)
      }
      const outcomes: RedisBatchApplyOutcome[] = []
      let profile = read.profile
      for (const event of events) {
        const result = applyEventOnce(profile, event, this.rules)
        profile = result.profile
        outcomes.push({ ok: true, profile, applied: result.applied })
      }
      if (profile === read.profile) return outcomes
      const checks: Check[] = [['v', this.#k(`p:${read.id}`), read.version]]
      const ops: Op[] = []
      const ids = identifierChanges(read.profile, profile)
      if (ids.added.length > 0) {
        const owners = await this.#r.client.mget(...ids.added.map((key) => this.#k(`id:${key}`)))
        ids.added.forEach((key, i) => {
          const owner = owners[i] ?? null
          checks.push(['g', this.#k(`id:${key}`), owner ?? ''])
          if (owner === null || owner === read.id) ops.push(['set', this.#k(`id:${key}`), read.id])
          else {
            // Another person holds this identifier: the reducer cannot merge, so it is not taken.
            const colon = key.indexOf(':')
            profile = { ...profile, identifiers: withoutIdentifier(profile.identifiers, key.slice(0, colon), key.slice(colon + 1)) }
          }
        })
      }
      for (const key of ids.removed) ops.push(['delif', this.#k(`id:${key}`), read.id])
      for (const sku of interestChanges(read.profile, profile).added) ops.push(['sadd', this.#k(`int:${sku}`), read.id])
      ops.push(['hset', this.#k(`p:${read.id}`), String(profile.version), JSON.stringify(profile)])
      if ((await this.#cas(checks, ops)) < 0) return undefined
      const last = outcomes.findLastIndex((o) => o.ok && o.applied)
      if (last >= 0) outcomes[last] = { ok: true, profile, applied: true }
      return outcomes
    })
  }

  async #read(customerId: string): Promise<Read | undefined> {
    const row = await READ.run<string[]>(this.#r.client, [], [this.#r.prefix, customerId])
    if (row.length < 3) return undefined
    return { id: row[0]!, version: row[1]!, profile: JSON.parse(row[2]!) as Profile }
  }

  #cas(checks: readonly Check[], ops: readonly Op[]): Promise<number> {
    const args: string[] = [String(checks.length)]
    for (const c of checks) args.push(...c)
    for (const [op, key, a = '', b = ''] of ops) args.push(op, key, a, b)
    return CAS.run<number>(this.#r.client, [], args)
  }

  /** Runs `fn` until it returns a value (undefined means "lost a race: read again"), with jittered backoff. */
  async #attempts<T>(fn: (attempt: number) => Promise<T | undefined>): Promise<T> {
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const result = await fn(attempt)
      if (result !== undefined) return result
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)))
    }
    throw new OmotenashiError(ErrorCode.Conflict, `gave up after ${this.#maxAttempts} attempts: the profile kept changing under this write`)
  }
}
