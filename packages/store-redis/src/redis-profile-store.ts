import { randomUUID } from 'node:crypto'
import { ErrorCode, OmotenashiError, SystemClock, type Clock, type Identity, type OmoEvent } from '@omotenashi/core'
import {
  applyEventOnce,
  claimIdentifiers,
  copyProfile,
  identifierChanges,
  identifierKey,
  identifiersOfProfile,
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
  type ResolveResult,
} from '@omotenashi/profile'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>p:<id>        hash { v: write stamp (version.random), b: profile JSON }
//       <p>alias:<old>   string: the survivor a merged-away id leads to
//       <p>id:<kind:value>  string: the profile owning that identifier (the identity graph)
//       <p>int:<sku>     set of profile ids with any interest in the item

/**
 * Compare-and-set, for one or many independent groups in one call: per group, every check must
 * hold, then every write of the group is done; a group whose checks fail is left untouched (-1)
 * and its caller plans again from a fresh read. The script runs atomically. Returns, per group,
 * how many records its delete-type writes removed, or -1.
 *
 * ARGV: nGroups, then per group: nChecks, nOps, (type, key, expected) per check — `g`: GET
 * equals (`''` = absent), `v`: the hash's version equals (`''` = absent) — and (op, key, a, b)
 * per write.
 */
const CAS = new LuaScript(`
local out = {}
local i = 2
for g = 1, tonumber(ARGV[1]) do
  local nc, no = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  local ok = true
  for c = 0, nc - 1 do
    local j = i + c * 3
    local have
    if ARGV[j] == 'g' then have = redis.call('GET', ARGV[j + 1]) else have = redis.call('HGET', ARGV[j + 1], 'v') end
    if not have then have = '' end
    if have ~= ARGV[j + 2] then ok = false break end
  end
  i = i + nc * 3
  local removed = -1
  if ok then
    removed = 0
    for o = 0, no - 1 do
      local j = i + o * 4
      local op, k, a, b = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
      if op == 'set' then redis.call('SET', k, a)
      elseif op == 'hset' then redis.call('HSET', k, 'v', a, 'b', b)
      elseif op == 'del' then removed = removed + redis.call('DEL', k)
      elseif op == 'delif' then
        if redis.call('GET', k) == a then removed = removed + redis.call('DEL', k) end
      elseif op == 'sadd' then redis.call('SADD', k, a)
      elseif op == 'srem' then removed = removed + redis.call('SREM', k, a)
      end
    end
  end
  i = i + no * 4
  out[g] = removed
end
return out`)

/**
 * Follows aliases and reads profiles in one atomic step. ARGV: prefix, then per profile asked
 * (id asked, cached id, cached version). Returns per profile (id, version, body), with body `''`
 * when the caller's cached copy is still current, or three empty strings when there is none.
 */
const READ = new LuaScript(`
local out = {}
for a = 2, #ARGV, 3 do
  local id = redis.call('GET', ARGV[1] .. 'alias:' .. ARGV[a]) or ARGV[a]
  local v = redis.call('HGET', ARGV[1] .. 'p:' .. id, 'v')
  if not v then
    out[#out + 1] = ''; out[#out + 1] = ''; out[#out + 1] = ''
  else
    out[#out + 1] = id; out[#out + 1] = v
    if id == ARGV[a + 1] and v == ARGV[a + 2] then out[#out + 1] = ''
    else out[#out + 1] = redis.call('HGET', ARGV[1] .. 'p:' .. id, 'b') end
  end
end
return out`)

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
  /** Profiles read and written per script call by `applyBatch`. Default 500. */
  readonly batchSize?: number | undefined
  /**
   * Profiles kept in process (least recently used go first) so a read only fetches a body that
   * changed since: the version is always checked in Redis, so the cache is never stale. A worker
   * owning a partition of customers mostly hits it. 0 turns it off. Default 10 000.
   */
  readonly cacheSize?: number | undefined
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
 * What goes in a profile's `v` field: its version plus a random tag, so a stamp names one write
 * exactly (a profile erased and created again under the same id restarts its version numbers;
 * a cached copy must not be mistaken for the new one).
 */
const stamp = (profile: Profile): string => `${profile.version}.${Math.random().toString(36).slice(2, 10)}`

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
  readonly #batchSize: number
  readonly #cacheSize: number
  /** Asked id → the profile it led to, at a version. Profiles are immutable values (the reducer copies). */
  readonly #cache = new Map<string, Read>()
  #queue: Array<{ customerId: string; event: OmoEvent; resolve: (result: ApplyResult) => void; reject: (error: unknown) => void }> = []
  #flushing = 0
  #scheduled = false

  constructor(connection: RedisConnection, options: RedisProfileStoreOptions = {}) {
    this.#r = connection
    this.rules = options.rules ?? new ProfileRules()
    this.#clock = options.clock ?? new SystemClock()
    this.#newId = options.newId ?? randomUUID
    this.#maxAttempts = options.maxAttempts ?? 200
    this.#batchSize = options.batchSize ?? 500
    this.#cacheSize = options.cacheSize ?? 10_000
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
      ops.push(['hset', this.#k(`p:${write.id}`), stamp(write), JSON.stringify(write)])
      if (plan.deleted.length > 0 || plan.result.created) {
        for (const sku of Object.keys(write.interests)) ops.push(['sadd', this.#k(`int:${sku}`), write.id])
      }
      return (await this.#cas(checks, ops)) < 0 ? undefined : plan.result
    })
  }

  /**
   * Applies one event. Calls made in the same turn of the event loop (the hub applies many
   * customers' events concurrently) share one read script and one compare-and-set script.
   */
  apply(customerId: string, event: OmoEvent): Promise<ApplyResult> {
    return new Promise<ApplyResult>((resolve, reject) => {
      this.#queue.push({ customerId, event, resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing >= 4 || this.#queue.length === 0) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.#batchSize)
    if (batch.length === 0) return
    this.#flushing++
    this.#schedule()
    try {
      // One group per customer, events in call order (the hub calls one customer's applies in sequence).
      const groups = new Map<string, Array<(typeof batch)[number]>>()
      for (const pending of batch) {
        const group = groups.get(pending.customerId)
        if (group) group.push(pending)
        else groups.set(pending.customerId, [pending])
      }
      const list = [...groups.values()]
      const results = await this.#applyGroups(list.map((g) => ({ customerId: g[0]!.customerId, events: g.map((p) => p.event) })))
      list.forEach((group, g) =>
        group.forEach((pending, j) => {
          const outcome = results[g]![j]!
          if (outcome.ok) pending.resolve({ profile: outcome.profile, applied: outcome.applied })
          else pending.reject(outcome.error)
        }),
      )
    } catch (error) {
      for (const pending of batch) pending.reject(error)
    } finally {
      this.#flushing--
      this.#schedule()
    }
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
    const all = [...groups].map(([customerId, indexes]) => ({ customerId, events: indexes.map((i) => items[i]!.event) }))
    // Chunks bound how long one script holds Redis; two in flight overlap Node's reducing with Redis' writing.
    const results: RedisBatchApplyOutcome[][] = []
    const chunks: Array<typeof all> = []
    for (let i = 0; i < all.length; i += this.#batchSize) chunks.push(all.slice(i, i + this.#batchSize))
    let next = 0
    const done: RedisBatchApplyOutcome[][][] = new Array(chunks.length)
    await Promise.all(
      [0, 1].map(async () => {
        while (next < chunks.length) {
          const c = next++
          done[c] = await this.#applyGroups(chunks[c]!)
        }
      }),
    )
    for (const d of done) results.push(...d)
    ;[...groups.values()].forEach((indexes, g) => indexes.forEach((i, j) => (out[i] = results[g]![j]!)))
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
      if (removed < 0) return undefined
      for (const [asked, cached] of this.#cache) if (cached.id === id) this.#cache.delete(asked)
      return removed
    })
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * Reduces each group's events on its profile and writes every changed profile with one read
   * script and one compare-and-set script for all groups; groups that lost a race are read and
   * reduced again, the others are done.
   */
  async #applyGroups(groups: ReadonlyArray<{ readonly customerId: string; readonly events: readonly OmoEvent[] }>): Promise<RedisBatchApplyOutcome[][]> {
    const results: RedisBatchApplyOutcome[][] = new Array(groups.length)
    let pending = groups.map((_, g) => g)
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.#maxAttempts) {
        const error = new OmotenashiError(ErrorCode.Conflict, `gave up after ${this.#maxAttempts} attempts: the profile kept changing under this write`)
        for (const g of pending) results[g] = groups[g]!.events.map(() => ({ ok: false, error }) as const)
        break
      }
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)))
      const reads = await this.#readMany(pending.map((g) => groups[g]!.customerId))
      const writes: Array<{ g: number; checks: Check[]; ops: Op[]; outcomes: RedisBatchApplyOutcome[]; profile: Profile; written: string }> = []
      for (const [n, g] of pending.entries()) {
        const { customerId, events } = groups[g]!
        const read = reads[n]
        if (!read) {
          const error = new OmotenashiError(ErrorCode.NotFound, `no profile "${customerId}": resolve the identity first`)
          results[g] = events.map(() => ({ ok: false, error }) as const)
          continue
        }
        const outcomes: RedisBatchApplyOutcome[] = []
        let profile = read.profile
        for (const event of events) {
          const result = applyEventOnce(profile, event, this.rules)
          profile = result.profile
          outcomes.push({ ok: true, profile, applied: result.applied })
        }
        if (profile === read.profile) {
          results[g] = outcomes
          continue
        }
        const checks: Check[] = [['v', this.#k(`p:${read.id}`), read.version]]
        const ops: Op[] = []
        const ids = identifierChanges(read.profile, profile)
        if (ids.added.length > 0) {
          // Rare (push tokens registered…): one more read, for this profile only.
          const owners = await this.#r.client.mget(...ids.added.map((key) => this.#k(`id:${key}`)))
          const ownerOf = new Map(ids.added.map((key, i) => [key, owners[i] ?? null]))
          // The write is refused if any of these owners changed meanwhile (then it is redone).
          for (const [key, owner] of ownerOf) checks.push(['g', this.#k(`id:${key}`), owner ?? ''])
          const claims = claimIdentifiers(profile.identifiers, ids.added, (key) => {
            const owner = ownerOf.get(key) ?? null
            return owner !== null && owner !== read.id
          })
          for (const key of claims.claimed) ops.push(['set', this.#k(`id:${key}`), read.id])
          if (claims.identifiers !== profile.identifiers) {
            profile = copyProfile(profile)
            profile.identifiers = claims.identifiers
          }
        }
        for (const key of ids.removed) ops.push(['delif', this.#k(`id:${key}`), read.id])
        for (const sku of interestChanges(read.profile, profile).added) ops.push(['sadd', this.#k(`int:${sku}`), read.id])
        const written = stamp(profile)
        ops.push(['hset', this.#k(`p:${read.id}`), written, JSON.stringify(profile)])
        writes.push({ g, checks, ops, outcomes, profile, written })
      }
      const done = writes.length === 0 ? [] : await this.#casMany(writes)
      pending = []
      writes.forEach((w, i) => {
        if (done[i]! < 0) {
          pending.push(w.g)
          return
        }
        const last = w.outcomes.findLastIndex((o) => o.ok && o.applied)
        if (last >= 0) w.outcomes[last] = { ok: true, profile: w.profile, applied: true }
        results[w.g] = w.outcomes
        this.#remember(groups[w.g]!.customerId, { id: w.profile.id, version: w.written, profile: w.profile })
      })
    }
    return results
  }

  async #read(customerId: string): Promise<Read | undefined> {
    return (await this.#readMany([customerId]))[0]
  }

  async #readMany(customerIds: readonly string[]): Promise<Array<Read | undefined>> {
    const args: string[] = [this.#r.prefix]
    for (const asked of customerIds) {
      const cached = this.#cache.get(asked)
      args.push(asked, cached?.id ?? '', cached?.version ?? '')
    }
    const flat = await READ.run<string[]>(this.#r.client, [], args)
    return customerIds.map((asked, i) => {
      const id = flat[i * 3]
      if (!id) {
        this.#cache.delete(asked)
        return undefined
      }
      const version = flat[i * 3 + 1]!
      const body = flat[i * 3 + 2]!
      const read: Read = body === '' ? { ...this.#cache.get(asked)!, version } : { id, version, profile: JSON.parse(body) as Profile }
      this.#remember(asked, read)
      return read
    })
  }

  /** Keeps `read` as what `asked` leads to, evicting the least recently used beyond the cache size. */
  #remember(asked: string, read: Read): void {
    if (this.#cacheSize === 0) return
    this.#cache.delete(asked)
    this.#cache.set(asked, read)
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!)
  }

  async #cas(checks: readonly Check[], ops: readonly Op[]): Promise<number> {
    const [removed] = await this.#casMany([{ checks, ops }])
    return removed!
  }

  #casMany(groups: ReadonlyArray<{ readonly checks: readonly Check[]; readonly ops: readonly Op[] }>): Promise<number[]> {
    const args: string[] = [String(groups.length)]
    for (const { checks, ops } of groups) {
      args.push(String(checks.length), String(ops.length))
      for (const c of checks) args.push(...c)
      for (const [op, key, a = '', b = ''] of ops) args.push(op, key, a, b)
    }
    return CAS.run<number[]>(this.#r.client, [], args)
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
