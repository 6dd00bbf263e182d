import { DEFAULT_CONTACTS_PER_CUSTOMER, type ContactHistory, type ContactHistoryOptions, type ContactRecord } from '@omotenashi/decisioning'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>contacts:<customer>          sorted set: key scored by when (epoch ms)
//       <p>contacts:<customer>:body     hash key → the contact's JSON
//       <p>contacts:<customer>:channel  hash key → the channel it went out on, once confirmed
// The confirmed channel lives apart so confirming never rewrites (re-encodes) the contact.

const RECORD = new LuaScript(`
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
  redis.call('HDEL', KEYS[2], unpack(oldest))
  redis.call('HDEL', KEYS[3], unpack(oldest))
end
return 1`)

const LIST = new LuaScript(`
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
if #keys == 0 then return {{}, {}} end
return {redis.call('HMGET', KEYS[2], unpack(keys)), redis.call('HMGET', KEYS[3], unpack(keys))}`)

const CONFIRM = new LuaScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return 1`)

const ERASE = new LuaScript(`
local n = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return n`)

/**
 * The decisioning stage's ContactHistory on Redis: what was planned for whom, shared by every
 * worker, so frequency caps, cool-downs and "max per customer" hold when a customer's events move
 * to another worker (a rebalance, a crash) or a process restarts. The in-memory default forgets
 * all of it then. Each call is one Lua script (atomic, one round trip); contacts planned at the
 * same millisecond are listed in key order.
 */
export class RedisContactHistory implements ContactHistory {
  readonly #r: RedisConnection
  readonly #perCustomer: number

  constructor(connection: RedisConnection, options: ContactHistoryOptions = {}) {
    this.#r = connection
    this.#perCustomer = options.perCustomer ?? DEFAULT_CONTACTS_PER_CUSTOMER
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  #keys(customerId: string): [string, string, string] {
    const base = this.#r.key(`contacts:${customerId}`)
    return [base, `${base}:body`, `${base}:channel`]
  }

  async record(contact: ContactRecord): Promise<void> {
    await RECORD.run(this.#r.client, this.#keys(contact.customerId), [contact.key, JSON.stringify(contact), contact.at, this.#perCustomer])
  }

  async list(customerId: string, since: number): Promise<ContactRecord[]> {
    const [bodies, channels] = await LIST.run<[Array<string | null>, Array<string | null>]>(this.#r.client, this.#keys(customerId), [
      Number.isFinite(since) ? since : '-inf',
    ])
    const out: ContactRecord[] = []
    for (let i = 0; i < bodies.length; i++) {
      const json = bodies[i]
      if (json === null || json === undefined) continue
      const contact = JSON.parse(json) as ContactRecord
      const channel = channels[i]
      out.push(channel ? { ...contact, channel } : contact)
    }
    return out
  }

  async confirmChannel(customerId: string, key: string, channel: string): Promise<boolean> {
    return (await CONFIRM.run<number>(this.#r.client, this.#keys(customerId), [key, channel])) === 1
  }

  async eraseCustomer(customerId: string): Promise<number> {
    return ERASE.run<number>(this.#r.client, this.#keys(customerId), [])
  }
}
