import type { Decision, DecisionLog, DecisionQuery } from '@omotenashi/core'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>decisions:c:<customer>  list of decision JSON, newest first, capped
//       <p>decisions:recent        list of decision JSON across customers, newest first, capped

const ERASE = new LuaScript(`
local n = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1])
for _, item in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local ok, d = pcall(cjson.decode, item)
  if ok and d.customerId == ARGV[1] then redis.call('LREM', KEYS[2], 0, item) end
end
return n`)

/** Options of {@link RedisDecisionLog}. */
export interface RedisDecisionLogOptions {
  /** Decisions kept per customer (oldest go first). Default 200. */
  readonly perCustomer?: number | undefined
  /** Decisions kept for `recent`. Default 1000. */
  readonly recent?: number | undefined
}

/** The DecisionLog on Redis: capped lists per customer and across customers, written in one MULTI. */
export class RedisDecisionLog implements DecisionLog {
  readonly #r: RedisConnection
  readonly #perCustomer: number
  readonly #recent: number

  constructor(connection: RedisConnection, options: RedisDecisionLogOptions = {}) {
    this.#r = connection
    this.#perCustomer = options.perCustomer ?? 200
    this.#recent = options.recent ?? 1000
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  async record(decision: Decision): Promise<void> {
    const json = JSON.stringify(decision)
    const customer = this.#r.key(`decisions:c:${decision.customerId}`)
    const recent = this.#r.key('decisions:recent')
    await this.#r.client
      .multi()
      .lpush(customer, json)
      .ltrim(customer, 0, this.#perCustomer - 1)
      .lpush(recent, json)
      .ltrim(recent, 0, this.#recent - 1)
      .exec()
  }

  async list(customerId: string, query: DecisionQuery = {}): Promise<Decision[]> {
    const items = await this.#r.client.lrange(this.#r.key(`decisions:c:${customerId}`), 0, -1)
    const since = query.since === undefined ? undefined : Date.parse(query.since)
    return items
      .map((item) => JSON.parse(item) as Decision)
      .filter((d) => since === undefined || Date.parse(d.at) >= since)
      // Newest by decision time; the list order (newest recorded first) breaks ties. sort is stable.
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
      .slice(0, query.limit ?? 50)
  }

  async recent(limit = 50): Promise<Decision[]> {
    const items = await this.#r.client.lrange(this.#r.key('decisions:recent'), 0, limit - 1)
    return items.map((item) => JSON.parse(item) as Decision)
  }

  eraseCustomer(customerId: string): Promise<number> {
    return ERASE.run<number>(this.#r.client, [this.#r.key(`decisions:c:${customerId}`), this.#r.key('decisions:recent')], [customerId])
  }
}
