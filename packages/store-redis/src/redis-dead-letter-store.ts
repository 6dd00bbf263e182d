import { randomUUID } from 'node:crypto'
import type { DeadLetter, DeadLetterQuery, DeadLetterStore } from '@omotenashi/core'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'

// Keys: <p>dlq:order    sorted set id → arrival number (oldest first)
//       <p>dlq:seq      arrival counter
//       <p>dlq:byevent  hash "<event id>\n<stage>" → id (the same failure again updates its letter)
//       <p>dlq:e:<id>   hash { body: JSON of event, stage, error, at; redriven; ek }

const ADD = new LuaScript(`
local id = redis.call('HGET', KEYS[3], ARGV[1])
if id and redis.call('EXISTS', ARGV[4] .. 'dlq:e:' .. id) == 1 then
  local h = ARGV[4] .. 'dlq:e:' .. id
  redis.call('HSET', h, 'body', ARGV[3])
  return {id, redis.call('HINCRBY', h, 'redriven', 1)}
end
id = ARGV[2]
redis.call('HSET', KEYS[3], ARGV[1], id)
redis.call('HSET', ARGV[4] .. 'dlq:e:' .. id, 'body', ARGV[3], 'redriven', 0, 'ek', ARGV[1])
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), id)
return {id, 0}`)

const REMOVE = new LuaScript(`
local ek = redis.call('HGET', KEYS[1], 'ek')
if not ek then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], ek) == ARGV[1] then redis.call('HDEL', KEYS[3], ek) end
return 1`)

type Body = Omit<DeadLetter, 'id' | 'redriven'>

/** The DeadLetterStore on Redis. The same event failing again at the same stage updates its letter. */
export class RedisDeadLetterStore implements DeadLetterStore {
  readonly #r: RedisConnection

  constructor(connection: RedisConnection) {
    this.#r = connection
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#r.init()
  }

  async add(entry: Omit<DeadLetter, 'id' | 'redriven'>): Promise<DeadLetter> {
    const body: Body = { event: entry.event, stage: entry.stage, error: entry.error, at: entry.at }
    const [id, redriven] = await ADD.run<[string, number]>(
      this.#r.client,
      [this.#r.key('dlq:order'), this.#r.key('dlq:seq'), this.#r.key('dlq:byevent')],
      [`${entry.event.id}\n${entry.stage}`, randomUUID(), JSON.stringify(body), this.#r.prefix],
    )
    return { id, ...body, redriven: Number(redriven) }
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const limit = query.limit ?? 100
    // Without a stage filter only the first `limit` are read; with one, all are scanned.
    const ids = await this.#r.client.zrange(this.#r.key('dlq:order'), 0, query.stage === undefined ? limit - 1 : -1)
    const letters = await this.#load(ids)
    return letters.filter((d) => query.stage === undefined || d.stage === query.stage).slice(0, limit)
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const [letter] = await this.#load([id])
    return letter
  }

  async remove(id: string): Promise<boolean> {
    return (
      (await REMOVE.run<number>(this.#r.client, [this.#r.key(`dlq:e:${id}`), this.#r.key('dlq:order'), this.#r.key('dlq:byevent')], [id])) === 1
    )
  }

  count(): Promise<number> {
    return this.#r.client.zcard(this.#r.key('dlq:order'))
  }

  async #load(ids: readonly string[]): Promise<DeadLetter[]> {
    if (ids.length === 0) return []
    const pipeline = this.#r.client.pipeline()
    for (const id of ids) pipeline.hmget(this.#r.key(`dlq:e:${id}`), 'body', 'redriven')
    const results = (await pipeline.exec()) ?? []
    return results.flatMap(([error, value], i) => {
      const [body, redriven] = (value ?? []) as [string | null, string | null]
      if (error || body === null) return []
      return [{ id: ids[i]!, ...(JSON.parse(body) as Body), redriven: Number(redriven ?? 0) }]
    })
  }
}
