import type { Clock, ScheduledTimer } from '@omotenashi/core'
import type { RedisConnection } from './connection.js'
import { LuaScript } from './lua-script.js'
import { PollingScheduler, type ClaimedTimer, type PollingSchedulerOptions, type TimerBackend } from '@omotenashi/core'

// Keys: <p>timers:run  sorted set id → epoch ms when it may next be claimed (due time, then lease or retry time)
//       <p>timer:<id>  hash { timer (JSON), gen, customer?, key? }
//       <p>timers:c:<customer>  set of the customer's timer ids (listing, cancel by key, erasure)

const PUT = new LuaScript(`
local old = redis.call('HGET', KEYS[2], 'customer')
if old then redis.call('SREM', ARGV[5] .. 'timers:c:' .. old, ARGV[1]) end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'timer', ARGV[3], 'gen', ARGV[4])
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], 'customer', ARGV[7])
  redis.call('SADD', ARGV[5] .. 'timers:c:' .. ARGV[7], ARGV[1])
end
if ARGV[8] == '1' then redis.call('HSET', KEYS[2], 'key', ARGV[9]) end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`)

const REMOVE_ONE = `
local function remove(run, prefix, id)
  local h = prefix .. 'timer:' .. id
  local c = redis.call('HGET', h, 'customer')
  local n = redis.call('DEL', h)
  redis.call('ZREM', run, id)
  if c then redis.call('SREM', prefix .. 'timers:c:' .. c, id) end
  return n
end
`

const REMOVE = new LuaScript(`${REMOVE_ONE}
return remove(KEYS[1], ARGV[2], ARGV[1])`)

const REMOVE_CUSTOMER = new LuaScript(`${REMOVE_ONE}
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if ARGV[2] ~= '1' or redis.call('HGET', ARGV[1] .. 'timer:' .. id, 'key') == ARGV[3] then
    n = n + remove(KEYS[1], ARGV[1], id)
  end
end
return n`)

// Claims by moving the score past the lease: nothing else marks a claim, so a crashed worker's
// timers come due again by themselves when the lease runs out.
const CLAIM = new LuaScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[4] .. 'timer:' .. id, 'timer', 'gen')
  if h[1] then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`)

const COMPLETE = new LuaScript(`${REMOVE_ONE}
if redis.call('HGET', KEYS[2], 'gen') ~= ARGV[2] then return 0 end
return remove(KEYS[1], ARGV[3], ARGV[1])`)

const RETRY = new LuaScript(`
if redis.call('HGET', KEYS[2], 'gen') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`)

/** Timers in Redis as a {@link TimerBackend}: every step is one Lua script, so it is atomic. */
export class RedisTimerBackend implements TimerBackend {
  readonly #r: RedisConnection
  readonly #run: string

  constructor(connection: RedisConnection) {
    this.#r = connection
    this.#run = connection.key('timers:run')
  }

  #hash(id: string): string {
    return this.#r.key(`timer:${id}`)
  }

  async put(timer: ScheduledTimer, dueAt: number, gen: string): Promise<void> {
    await PUT.run(this.#r.client, [this.#run, this.#hash(timer.id)], [
      timer.id,
      dueAt,
      JSON.stringify(timer),
      gen,
      this.#r.prefix,
      timer.customerId === undefined ? '0' : '1',
      timer.customerId ?? '',
      timer.key === undefined ? '0' : '1',
      timer.key ?? '',
    ])
  }

  async remove(id: string): Promise<boolean> {
    return (await REMOVE.run<number>(this.#r.client, [this.#run, this.#hash(id)], [id, this.#r.prefix])) > 0
  }

  removeByKey(customerId: string, key: string): Promise<number> {
    return REMOVE_CUSTOMER.run<number>(this.#r.client, [this.#run, this.#r.key(`timers:c:${customerId}`)], [this.#r.prefix, '1', key])
  }

  removeCustomer(customerId: string): Promise<number> {
    return REMOVE_CUSTOMER.run<number>(this.#r.client, [this.#run, this.#r.key(`timers:c:${customerId}`)], [this.#r.prefix, '0', ''])
  }

  async list(customerId: string): Promise<ScheduledTimer[]> {
    const ids = await this.#r.client.smembers(this.#r.key(`timers:c:${customerId}`))
    if (ids.length === 0) return []
    const pipeline = this.#r.client.pipeline()
    for (const id of ids) pipeline.hget(this.#hash(id), 'timer')
    const results = (await pipeline.exec()) ?? []
    return results
      .flatMap(([error, value]) => (error || typeof value !== 'string' ? [] : [JSON.parse(value) as ScheduledTimer]))
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<ClaimedTimer[]> {
    const flat = await CLAIM.run<string[]>(this.#r.client, [this.#run], [now, limit, now + leaseMs, this.#r.prefix])
    const claimed: ClaimedTimer[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) claimed.push({ timer: JSON.parse(flat[i]!) as ScheduledTimer, gen: flat[i + 1]! })
    return claimed
  }

  async complete(id: string, gen: string): Promise<void> {
    await COMPLETE.run(this.#r.client, [this.#run, this.#hash(id)], [id, gen, this.#r.prefix])
  }

  async retry(id: string, gen: string, runAt: number): Promise<void> {
    await RETRY.run(this.#r.client, [this.#run, this.#hash(id)], [id, gen, runAt])
  }
}

/**
 * The durable Scheduler on Redis: a sorted set of timers by time, claimed atomically by a Lua
 * script under a lease, so timers survive restarts and fire once across workers. See
 * {@link PollingScheduler} for the guarantees.
 */
export class RedisScheduler extends PollingScheduler {
  readonly #connection: RedisConnection

  constructor(connection: RedisConnection, clock: Clock, options: PollingSchedulerOptions = {}) {
    super(new RedisTimerBackend(connection), clock, options)
    this.#connection = connection
  }

  /** Connects a client the store opened. */
  init(): Promise<void> {
    return this.#connection.init()
  }
}
