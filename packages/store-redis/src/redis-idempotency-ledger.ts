import type { Clock, DeliveryResult, IdempotencyLedger, LedgerEntry } from '@omotenashi/core'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Values: `p:<since>` (pending claim) or `d:<at>:<result JSON>` (done).

const TAKE_OVER = new LuaScript(`
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 2) ~= 'p:' then return 0 end
  if tonumber(ARGV[1]) - tonumber(string.sub(v, 3)) < tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[3])
return 1`)

const RELEASE = new LuaScript(`
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'p:' then return redis.call('DEL', KEYS[1]) end
return 0`)

/**
 * The IdempotencyLedger on Redis. A fresh key is claimed with one `SET NX PX`; only when the key
 * exists does a Lua script decide (atomically) whether a stale pending claim may be taken over.
 * Entries expire after `ttlMs`, which bounds memory: a send is deduplicated within that window.
 */
export class RedisIdempotencyLedger implements IdempotencyLedger {
  readonly #r: RedisConnection
  readonly #clock: Clock
  readonly #ttlMs: number

  /** @param ttlMs - how long keys are remembered. Default 30 days. */
  constructor(connection: RedisConnection, clock: Clock, ttlMs = 30 * 86_400_000) {
    this.#r = connection
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  #key(key: string): string {
    return this.#r.key(`idem:${key}`)
  }

  async claim(key: string, staleAfterMs = 60_000): Promise<boolean> {
    const now = this.#clock.now()
    const fresh = await this.#r.client.set(this.#key(key), `p:${now}`, 'PX', this.#ttlMs, 'NX')
    if (fresh === 'OK') return true
    return (await TAKE_OVER.run<number>(this.#r.client, [this.#key(key)], [now, staleAfterMs, this.#ttlMs])) === 1
  }

  async complete(key: string, result: DeliveryResult): Promise<void> {
    await this.#r.client.set(this.#key(key), `d:${this.#clock.now()}:${JSON.stringify(result)}`, 'PX', this.#ttlMs)
  }

  async release(key: string): Promise<void> {
    await RELEASE.run(this.#r.client, [this.#key(key)], [])
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    const value = await this.#r.client.get(this.#key(key))
    if (value === null) return undefined
    if (value.startsWith('p:')) return { state: 'pending', since: Number(value.slice(2)) }
    const colon = value.indexOf(':', 2)
    return { state: 'done', at: Number(value.slice(2, colon)), result: JSON.parse(value.slice(colon + 1)) as DeliveryResult }
  }
}
