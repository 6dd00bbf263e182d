/**
 * bench/stores: apply-event throughput of the ProfileStore on memory, PostgreSQL and Redis, and
 * idempotency-ledger claims per second, side by side.
 * Run: node --conditions=@omotenashi/source --import tsx bench/stores.ts
 *
 * Needs the local PostgreSQL (127.0.0.1:5432, db `test`) and Redis (127.0.0.1:6379); a store
 * whose server is down is reported as skipped. Everything is written under a throw-away schema /
 * key prefix and removed afterwards.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createHub, MemoryIdempotencyLedger, SystemClock, type EventInput, type IdempotencyLedger, type OmoEvent } from '@omotenashi/core'
import { isReachable } from '@omotenashi/core/testing'
import { MemoryProfileStore, ProfileRules, profiles } from '@omotenashi/profile'
import { PgDatabase, PgIdempotencyLedger, PgProfileStore, postgresStore } from '@omotenashi/store-postgres'
import { RedisConnection, RedisIdempotencyLedger, RedisProfileStore, redisStore } from '@omotenashi/store-redis'
import type { ContainerModule } from 'inversify'
import { deleteByPrefix } from '@omotenashi/store-redis/testing'
import { Redis } from 'ioredis'
import pg from 'pg'

const PROFILES = 2_000
const EVENTS = 20_000
const BATCH = 1_000
const CLAIMS = 10_000
const CLAIM_CONCURRENCY = 64
const HUB_EVENTS = 3_000
const HUB_CUSTOMERS = 300
const T0 = Date.parse('2026-03-01T00:00:00.000Z')
const TYPES = ['page.viewed', 'product.viewed', 'cart.item_added', 'store.checked_in'] as const

/** Events spread over the profiles; a product event every other one, so interests and the index grow too. */
function events(n: number, tag: string): Array<{ customerId: string; event: OmoEvent }> {
  const out: Array<{ customerId: string; event: OmoEvent }> = new Array(n)
  for (let i = 0; i < n; i++) {
    const type = TYPES[i % TYPES.length]!
    const data: Record<string, unknown> =
      type === 'product.viewed' || type === 'cart.item_added' ? { sku: `SKU-${i % 500}`, price: 1000 + (i % 7) * 100, quantity: 1 } : { path: '/' }
    out[i] = {
      customerId: `${tag}-${i % PROFILES}`,
      event: {
        id: `${tag}-e${i}`,
        type,
        source: 'web',
        time: new Date(T0 + i * 1000).toISOString(),
        identity: {},
        data,
        ...(type === 'store.checked_in' ? { storeId: 'shibuya' } : {}),
      },
    }
  }
  return out
}

interface Row {
  readonly what: string
  readonly count: number
  readonly ms: number
  /** CPU this Node process spent (user + system), ms. */
  readonly cpuMs: number
  readonly goal?: number
}

interface Timed {
  readonly ms: number
  readonly cpuMs: number
}

const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000)

/** Wall time and this process' CPU time: on a shared machine the CPU time is the steadier figure. */
async function time(fn: () => Promise<void>): Promise<Timed> {
  const cpu = process.cpuUsage()
  const t = performance.now()
  await fn()
  const used = process.cpuUsage(cpu)
  return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 }
}

/** Resolves every bench profile (by a customerId each), so applies find them. */
async function seed(store: { resolve: MemoryProfileStore['resolve'] }, tag: string): Promise<void> {
  for (let i = 0; i < PROFILES; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, PROFILES - i) }, (_, j) =>
        store.resolve({ customerId: `${tag}-${i + j}`, anonymousId: `${tag}-anon-${i + j}` }, { at: new Date(T0).toISOString() }),
      ),
    )
  }
}

async function claims(ledger: IdempotencyLedger, tag: string, count: number): Promise<Timed & { count: number }> {
  let next = 0
  let won = 0
  const timed = await time(async () => {
    await Promise.all(
      Array.from({ length: CLAIM_CONCURRENCY }, async () => {
        while (next < count) {
          const key = `${tag}:${next++}`
          if (await ledger.claim(key)) won++
        }
      }),
    )
    if (won !== count) throw new Error(`only ${won} of ${count} fresh claims won`)
  })
  return { ...timed, count }
}

/**
 * The whole hub pipeline (validate → identify (名寄せ) → profile update) with `profiles()` on a
 * store: what an adopter's ingest gets. Customers are identified by loyalty id, so every event
 * resolves its identity before it is applied. `spacingMs` apart in event time: at 1 s, a
 * customer's next event comes 5 minutes later and moves the loyalty id's lastSeen (a write);
 * at 20 ms, 6 s later, within the minute of lastSeen's granularity (identify only reads).
 */
async function hubRun(store: ContainerModule | undefined, tag: string, spacingMs = 1_000): Promise<Timed> {
  const hub = await createHub({ modules: [profiles(), ...(store ? [store] : [])] })
  await hub.start()
  const inputs: EventInput[] = Array.from({ length: HUB_EVENTS }, (_, i) => ({
    id: `${tag}-h${i}`,
    type: i % 2 ? 'product.viewed' : 'page.viewed',
    source: 'web',
    time: new Date(T0 + i * spacingMs).toISOString(),
    identity: { loyaltyId: `${tag}-L${i % HUB_CUSTOMERS}` },
    data: i % 2 ? { sku: `SKU-${i % 50}`, price: 1200 } : { path: '/' },
  }))
  try {
    return await time(async () => {
      for (const input of inputs) await hub.publish(input)
      await hub.drain()
    })
  } finally {
    await hub.stop()
  }
}

export async function run(): Promise<string> {
  const rows: Row[] = []
  const skipped: string[] = []
  const rules = new ProfileRules()
  const clock = new SystemClock()

  // Memory: the embedded default, one event at a time (synchronous reducer + maps).
  {
    const store = new MemoryProfileStore({ rules, clock })
    await seed(store, 'm')
    const input = events(EVENTS, 'm')
    const t = await time(async () => {
      for (const { customerId, event } of input) store.applyNow(customerId, event)
    })
    rows.push({ what: 'memory — applyNow, one at a time', count: EVENTS, ...t })
    rows.push({ what: 'memory — idempotency ledger claims', ...(await claims(new MemoryIdempotencyLedger(), 'm', CLAIMS)) })
    rows.push({ what: 'memory — hub pipeline: identify + profile update', count: HUB_EVENTS, ...(await hubRun(undefined, 'm')) })
  }

  // PostgreSQL: batched transactions (row locks in id order, one write per profile per batch).
  if (await isReachable(5432)) {
    const schema = `omo_bench_${randomBytes(4).toString('hex')}`
    const pool = new pg.Pool({ connectionString: process.env['OMOTENASHI_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', max: 12 })
    try {
      const db = new PgDatabase({ pool, schema })
      await db.init()
      const store = new PgProfileStore(db, { rules, clock, batchSize: BATCH })
      await seed(store, 'p')
      const input = events(EVENTS, 'p')
      const t = await time(async () => {
        const chunks: Array<typeof input> = []
        for (let i = 0; i < input.length; i += BATCH) chunks.push(input.slice(i, i + BATCH))
        // Two batches in flight: one reduces in Node while the other waits on PostgreSQL.
        let c = 0
        await Promise.all(
          [0, 1].map(async () => {
            while (c < chunks.length) {
              const outcomes = await store.applyBatch(chunks[c++]!)
              if (outcomes.some((o) => !o.ok)) throw new Error('a PostgreSQL apply failed')
            }
          }),
        )
      })
      rows.push({ what: `PostgreSQL — applyBatch, ${BATCH} events per transaction`, count: EVENTS, ...t, goal: 10_000 })
      const single = events(2_000, 'p').map((x) => ({ ...x, event: { ...x.event, id: `${x.event.id}-single` } }))
      const s = await time(async () => {
        await Promise.all(single.map(({ customerId, event }) => store.apply(customerId, event)))
      })
      rows.push({ what: 'PostgreSQL — apply() × 2 000 concurrent (auto-batched)', count: single.length, ...s })
      rows.push({ what: 'PostgreSQL — idempotency ledger claims (INSERT … ON CONFLICT)', ...(await claims(new PgIdempotencyLedger(db, clock), 'p', CLAIMS / 2)) })
      const hubStore = postgresStore({ pool, schema: `${schema}_hub`, ports: { scheduler: false } })
      rows.push({ what: 'PostgreSQL — hub pipeline: identify + profile update', count: HUB_EVENTS, ...(await hubRun(hubStore, 'p')) })
      rows.push({ what: 'PostgreSQL — the same, a customer’s events seconds apart (identify only reads)', count: HUB_EVENTS, ...(await hubRun(hubStore, 'q', 20)) })
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}_hub" CASCADE`)
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {})
      await pool.end()
    }
  } else skipped.push('PostgreSQL (not reachable on 127.0.0.1:5432)')

  // Redis: one compare-and-set script per profile per batch; customers concurrently (pipelined).
  if (await isReachable(6379)) {
    const prefix = `omo-bench:${randomBytes(4).toString('hex')}:`
    const client = new Redis(process.env['OMOTENASHI_REDIS_URL'] ?? 'redis://127.0.0.1:6379')
    try {
      const connection = new RedisConnection({ client, prefix })
      const store = new RedisProfileStore(connection, { rules, clock })
      await seed(store, 'r')
      const input = events(EVENTS, 'r')
      const t = await time(async () => {
        for (let i = 0; i < input.length; i += BATCH) {
          const outcomes = await store.applyBatch(input.slice(i, i + BATCH))
          if (outcomes.some((o) => !o.ok)) throw new Error('a Redis apply failed')
        }
      })
      rows.push({ what: `Redis — applyBatch, ${BATCH} events per call`, count: EVENTS, ...t, goal: 30_000 })
      const single = events(2_000, 'r').map((x) => ({ ...x, event: { ...x.event, id: `${x.event.id}-single` } }))
      const s = await time(async () => {
        await Promise.all(single.map(({ customerId, event }) => store.apply(customerId, event)))
      })
      rows.push({ what: 'Redis — apply() × 2 000 concurrent', count: single.length, ...s })
      rows.push({ what: 'Redis — idempotency ledger claims (SET NX PX)', ...(await claims(new RedisIdempotencyLedger(connection, clock), 'r', CLAIMS)) })
      const hubStore = redisStore({ client, prefix: `${prefix}hub:`, ports: { scheduler: false } })
      rows.push({ what: 'Redis — hub pipeline: identify + profile update', count: HUB_EVENTS, ...(await hubRun(hubStore, 'r')) })
    } finally {
      await deleteByPrefix(client, prefix).catch(() => 0)
      await client.quit()
    }
  } else skipped.push('Redis (not reachable on 127.0.0.1:6379)')

  const lines = [
    `Profile stores: ${EVENTS.toLocaleString('en')} events over ${PROFILES.toLocaleString('en')} profiles (page, product, cart and check-in events; product events grow interests and the index). Ledger: fresh keys, ${CLAIM_CONCURRENCY} claims in flight. Hub: ${HUB_EVENTS.toLocaleString('en')} events published one by one for ${HUB_CUSTOMERS} loyalty members, then drained. Load average when done: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${availableParallelism()} cores.`,
    '',
    '| store — operation | ops | seconds | ops/s | Node CPU µs/op | goal |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => {
      const goal = r.goal === undefined ? '' : `≥ ${r.goal.toLocaleString('en')}/s ${rate(r.count, r.ms) >= r.goal ? '✅' : '❌'}`
      return `| ${r.what} | ${r.count.toLocaleString('en')} | ${(r.ms / 1000).toFixed(2)} | ${rate(r.count, r.ms).toLocaleString('en')} | ${((r.cpuMs * 1000) / r.count).toFixed(1)} | ${goal} |`
    }),
  ]
  if (skipped.length > 0) lines.push('', `Skipped: ${skipped.join('; ')}.`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now()
  console.log(await run())
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s in all)`)
}
