import type { InboxMessage, InboxQuery, InboxStore } from '@omotenashi/core'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>inbox:<customer>       hash id → message JSON (without readAt)
//       <p>inbox:<customer>:read  hash id → when it was first read
// Read times live apart so marking read never rewrites (re-encodes) the message.

const PUT = new LuaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
return 1`)

const MARK_READ = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return 1`)

const DELETE = new LuaScript(`
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`)

const ERASE = new LuaScript(`
local n = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
return n`)

/** The in-app InboxStore on Redis: one hash per customer. */
export class RedisInboxStore implements InboxStore {
  readonly #r: RedisConnection

  constructor(connection: RedisConnection) {
    this.#r = connection
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  #keys(customerId: string): [string, string] {
    return [this.#r.key(`inbox:${customerId}`), this.#r.key(`inbox:${customerId}:read`)]
  }

  async put(message: InboxMessage): Promise<boolean> {
    const { readAt, ...body } = message
    return (await PUT.run<number>(this.#r.client, this.#keys(message.customerId), [message.id, JSON.stringify(body), readAt ?? ''])) === 1
  }

  async list(customerId: string, query: InboxQuery = {}): Promise<InboxMessage[]> {
    const [messages, reads] = this.#keys(customerId)
    const [[, all], [, read]] = ((await this.#r.client.multi().hgetall(messages).hgetall(reads).exec()) ?? []) as [
      [unknown, Record<string, string>],
      [unknown, Record<string, string>],
    ]
    const now = Date.parse(query.now ?? new Date().toISOString())
    return Object.entries(all ?? {})
      .map(([id, json]) => {
        const message = JSON.parse(json) as InboxMessage
        const readAt = read?.[id]
        return readAt === undefined ? message : { ...message, readAt }
      })
      .filter((m) => (m.expiresAt === undefined || Date.parse(m.expiresAt) > now) && (!query.unreadOnly || m.readAt === undefined))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, query.limit ?? 50)
  }

  async markRead(customerId: string, id: string, at: string): Promise<boolean> {
    return (await MARK_READ.run<number>(this.#r.client, this.#keys(customerId), [id, at])) === 1
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    return (await DELETE.run<number>(this.#r.client, this.#keys(customerId), [id])) === 1
  }

  eraseCustomer(customerId: string): Promise<number> {
    return ERASE.run<number>(this.#r.client, this.#keys(customerId), [])
  }
}
