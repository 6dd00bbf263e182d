/**
 * bench/profile: what the memory ProfileStore costs per event and per profile, side by side with
 * what a user might write instead (a plain Map of objects, or a Map of JSON strings).
 * Run: node --conditions=@omotenashi/source --import tsx bench/profile.ts
 *
 * Rates are given per CPU second of this process (process.cpuUsage: every thread, so the garbage
 * collector's helpers count too) and per wall second (which suffers when the machine is shared).
 * Memory per profile is the heap growth after a full GC, including the store's indexes; the 1M
 * goal is measured for real in a child process (its own heap limit, `--expose-gc`) that builds
 * 1M profiles with the default settings. BENCH_PROFILE_MILLION sets how many (default 1 000 000; 0 skips it).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import type { OmoEvent } from '@omotenashi/core'
import { MemoryProfileStore, ProfileRules } from '@omotenashi/profile'

const PROFILES = 10_000
const EVENTS = Number(process.env['BENCH_PROFILE_EVENTS'] ?? 100_000)
const MEMORY_PROFILES = Number(process.env['BENCH_PROFILE_N'] ?? 30_000)
const MILLION = Number(process.env['BENCH_PROFILE_MILLION'] ?? 1_000_000)
/** The child's heap limit: room above the 1.5 GB goal, so a store over it is measured rather than killed. */
const MILLION_HEAP_MB = 4096
const T0 = Date.parse('2026-01-01T00:00:00Z')
const TYPES = ['page.viewed', 'product.viewed', 'cart.item_added', 'fitting_room.tried_on', 'store.checked_in'] as const

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

/** Event ids as they arrive from JSON (flat strings), not built by concatenation. */
function uuids(n: number): string[] {
  return JSON.parse(JSON.stringify(Array.from({ length: n }, () => crypto.randomUUID()))) as string[]
}

function mixedEvents(n: number, from: number): OmoEvent[] {
  const ids = uuids(n)
  const out: OmoEvent[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const type = TYPES[i % TYPES.length]!
    out[i] = {
      id: ids[i]!,
      type,
      source: 'web',
      time: new Date(T0 + (from + i) * 10).toISOString(),
      identity: { anonymousId: `anon-${i % PROFILES}` },
      data: type === 'page.viewed' || type === 'store.checked_in' ? { path: '/' } : { sku: `SKU-${i % 3000}`, price: 12000, quantity: 1 },
      ...(type === 'store.checked_in' || type === 'fitting_room.tried_on' ? { storeId: 'shibuya' } : {}),
    }
  }
  return out
}

interface Timing {
  readonly cpu: number
  readonly wall: number
}

/** Best of `runs` (fresh events each run, so nothing is a duplicate). */
async function measure(runs: number, n: number, body: (events: OmoEvent[]) => void | Promise<void>): Promise<Timing> {
  let best: Timing = { cpu: Infinity, wall: Infinity }
  for (let r = 0; r < runs; r++) {
    const events = mixedEvents(n, (r + 1) * n)
    const c0 = process.cpuUsage()
    const w0 = performance.now()
    await body(events)
    const wall = performance.now() - w0
    const c = process.cpuUsage(c0)
    const cpu = (c.user + c.system) / 1000
    if (cpu < best.cpu) best = { cpu, wall }
  }
  return best
}

const rate = (n: number, ms: number): string => Math.round((n / ms) * 1000).toLocaleString('en-US')

/** What a user might write without the toolkit: one mutable object per customer id, every event appended. */
interface NaiveProfile {
  events: Array<{ id: string; type: string; time: string; data: Record<string, unknown> }>
  interests: Record<string, Record<string, string>>
  consent: Record<string, boolean>
}

function naiveApply(map: Map<string, NaiveProfile>, customerId: string, e: OmoEvent): void {
  let p = map.get(customerId)
  if (!p) map.set(customerId, (p = { events: [], interests: {}, consent: {} }))
  p.events.push({ id: e.id, type: e.type, time: e.time, data: e.data })
  const sku = e.data['sku']
  if (typeof sku === 'string') (p.interests[sku] ??= {})[e.type] = e.time
}

function naiveJsonApply(map: Map<string, string>, customerId: string, e: OmoEvent): void {
  const text = map.get(customerId)
  const p = (text === undefined ? { events: [], interests: {}, consent: {} } : JSON.parse(text)) as NaiveProfile
  p.events.push({ id: e.id, type: e.type, time: e.time, data: e.data })
  if (p.events.length > 100) p.events.shift()
  const sku = e.data['sku']
  if (typeof sku === 'string') (p.interests[sku] ??= {})[e.type] = e.time
  map.set(customerId, JSON.stringify(p))
}

/**
 * Nine events of a typical customer: a visit, browsing, a cart, a fitting room, a purchase, a consent.
 * `timeOf(s)` gives the instant `s` seconds after T0 (the 1M build shares them: customer i's k-th
 * event is at i + k seconds, and making 9M date strings would cost more than the store's work).
 */
function customerEvents(i: number, ids: string[], timeOf: (s: number) => string = (s) => new Date(T0 + s * 1000).toISOString()): OmoEvent[] {
  const sku = `SKU-${i % 5000}`
  const make = (k: number, type: string, data: Record<string, unknown>, storeId?: string): OmoEvent => ({
    id: ids[k]!,
    type,
    source: 'web',
    time: timeOf(i + k),
    identity: {},
    data,
    ...(storeId === undefined ? {} : { storeId }),
  })
  return [
    make(0, 'page.viewed', { path: '/' }),
    make(1, 'product.viewed', { sku, price: 12000 }),
    make(2, 'product.viewed', { sku: `SKU-${(i + 7) % 5000}`, price: 8000 }),
    make(3, 'cart.item_added', { sku, quantity: 1, price: 12000 }),
    make(4, 'consent.changed', { channel: 'email', granted: true }),
    make(5, 'store.checked_in', {}, 'shibuya'),
    make(6, 'fitting_room.tried_on', { sku }, 'shibuya'),
    make(7, 'pos.purchased', { transactionId: `t-${i}`, items: [{ sku, quantity: 1, unitPrice: 12000 }], total: 12000, currency: 'JPY' }, 'shibuya'),
    make(8, 'page.viewed', { path: '/thanks' }),
  ]
}

/** Heap bytes per profile for `n` customers of nine events each, built by `fill`. */
function heapPerProfile(n: number, fill: (i: number, events: OmoEvent[]) => void): { bytes: number; ms: number } {
  gc()
  const before = process.memoryUsage().heapUsed
  // Ids are made inside the measured region: the strings a profile keeps are its memory too.
  let ids: string[] | undefined = uuids(9 * n)
  const w0 = performance.now()
  for (let i = 0; i < n; i++) fill(i, customerEvents(i, ids.slice(9 * i, 9 * i + 9)))
  const ms = performance.now() - w0
  ids = undefined
  gc()
  const bytes = (process.memoryUsage().heapUsed - before) / n
  return { bytes, ms }
}

/** What the child process building {@link MILLION} profiles reports. */
interface MillionReport {
  readonly profiles: number
  readonly buildSeconds: number
  readonly buildCpuSeconds: number
  /** Heap used and RSS after a full GC, before building and right after. */
  readonly heapBefore: number
  readonly heapAfter: number
  readonly heapTotalAfter: number
  readonly rssBefore: number
  readonly rssAfter: number
  /** The same once V8 has returned the pages it no longer needs (a few idle seconds later). */
  readonly settledSeconds: number
  readonly heapSettled: number
  readonly heapTotalSettled: number
  readonly rssSettled: number
}

/**
 * The child's work: `n` customers of nine events each into a store with the default settings
 * (`new MemoryProfileStore()`: 10k hot profiles, default rules), then memory after a full GC.
 */
async function buildMillion(n: number): Promise<MillionReport> {
  gc()
  const before = process.memoryUsage()
  const store = new MemoryProfileStore()
  const w0 = performance.now()
  const c0 = process.cpuUsage()
  // Instants shared between customers (only the 10k hot profiles keep them as strings; packed
  // profiles keep numbers), dropped before measuring. Event ids are each their own string.
  let times: string[] | undefined = Array.from({ length: n + 9 }, (_, s) => new Date(T0 + s * 1000).toISOString())
  const timeOf = (s: number): string => times![s]!
  for (let i = 0; i < n; i++) {
    const events = customerEvents(i, Array.from({ length: 9 }, () => crypto.randomUUID()), timeOf)
    const id = store.resolveNow({ anonymousId: `anon-${i}`, email: `user${i}@example.jp` }, { at: events[0]!.time }).profileId!
    for (const e of events) store.applyNow(id, e)
    if (i % 100_000 === 99_999) process.stderr.write(`bench/profile: ${(i + 1).toLocaleString('en-US')} profiles (${((performance.now() - w0) / 1000).toFixed(1)} s)\n`)
  }
  const cpu = process.cpuUsage(c0)
  const buildSeconds = (performance.now() - w0) / 1000
  if (store.size !== n) throw new Error(`expected ${n} profiles, got ${store.size}`)
  times = undefined
  gc()
  gc()
  const after = process.memoryUsage()
  // V8 gives back pages freed by the build over the following seconds (concurrent sweeping, then
  // releasing empty pages): wait, collect again, until the reserved heap stops shrinking.
  const s0 = performance.now()
  let settled = after
  // At most 10 s: enough to see the trend without doubling the benchmark's run time.
  for (let round = 0, still = 0; round < 10 && still < 3; round++) {
    await new Promise((r) => setTimeout(r, 1000))
    gc()
    const now = process.memoryUsage()
    still = settled.heapTotal - now.heapTotal < now.heapTotal / 100 ? still + 1 : 0
    settled = now
  }
  return {
    profiles: store.size,
    buildSeconds,
    buildCpuSeconds: (cpu.user + cpu.system) / 1e6,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapTotalAfter: after.heapTotal,
    rssBefore: before.rss,
    rssAfter: after.rss,
    settledSeconds: (performance.now() - s0) / 1000,
    heapSettled: settled.heapUsed,
    heapTotalSettled: settled.heapTotal,
    rssSettled: settled.rss,
  }
}

/** Runs {@link buildMillion} in a child process with its own heap limit; its progress goes to stderr. */
function measureMillion(n: number): MillionReport {
  const child = spawnSync(
    process.execPath,
    [`--max-old-space-size=${MILLION_HEAP_MB}`, '--expose-gc', '--conditions=@omotenashi/source', '--import', 'tsx', fileURLToPath(import.meta.url), '--million', String(n)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  )
  if (child.status !== 0) throw new Error(`the ${n.toLocaleString('en-US')}-profile child failed (status ${child.status}, signal ${child.signal}): ${child.stdout}`)
  return JSON.parse(child.stdout) as MillionReport
}

export async function run(): Promise<string> {
  const started = performance.now()
  const step = (what: string): void => void process.stderr.write(`bench/profile: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
  const rules = new ProfileRules()
  const lines: string[] = []

  // 1. Throughput: events applied to 10k customers already known.
  const store = new MemoryProfileStore({ rules, hotProfiles: PROFILES })
  const ids = Array.from({ length: PROFILES }, (_, i) => store.resolveNow({ anonymousId: `anon-${i}` }, { at: new Date(T0).toISOString() }).profileId!)
  const applySync = await measure(3, EVENTS, (events) => {
    for (let i = 0; i < events.length; i++) store.applyNow(ids[i % PROFILES]!, events[i]!)
  })
  step('applyAsync')
  const applyAsync = await measure(2, EVENTS, async (events) => {
    for (let i = 0; i < events.length; i++) await store.apply(ids[i % PROFILES]!, events[i]!)
  })
  step('resolveApply')
  const resolveApply = await measure(2, EVENTS, (events) => {
    for (const e of events) store.applyNow(store.resolveNow(e.identity, { at: e.time }).profileId!, e)
  })
  step('duplicates')
  const duplicates = mixedEvents(EVENTS, 10 * EVENTS)
  for (let i = 0; i < duplicates.length; i++) store.applyNow(ids[i % PROFILES]!, duplicates[i]!)
  const c0 = process.cpuUsage()
  const w0 = performance.now()
  let skipped = 0
  for (let i = 0; i < duplicates.length; i++) if (!store.applyNow(ids[i % PROFILES]!, duplicates[i]!).applied) skipped++
  const dupWall = performance.now() - w0
  const dupUsage = process.cpuUsage(c0)
  const dupCpu = (dupUsage.user + dupUsage.system) / 1000
  step('naive')
  const naive = new Map<string, NaiveProfile>()
  const naiveTiming = await measure(3, EVENTS, (events) => {
    for (let i = 0; i < events.length; i++) naiveApply(naive, ids[i % PROFILES]!, events[i]!)
  })
  step('naiveJson')
  const naiveJson = new Map<string, string>()
  const jsonTiming = await measure(2, EVENTS, (events) => {
    for (let i = 0; i < events.length; i++) naiveJsonApply(naiveJson, ids[i % PROFILES]!, events[i]!)
  })
  const base = naiveTiming.cpu
  lines.push(`Apply throughput: ${EVENTS.toLocaleString('en-US')} events over ${PROFILES.toLocaleString('en-US')} known customers (views, carts, try-ons, check-ins), best run.`, '')
  lines.push('| what | events/s per CPU second | events/s wall | CPU cost vs naive Map |', '| --- | ---: | ---: | ---: |')
  const row = (what: string, t: Timing, n = EVENTS): string => `| ${what} | ${rate(n, t.cpu)} | ${rate(n, t.wall)} | ${(t.cpu / base).toFixed(1)}× |`
  lines.push(row('MemoryProfileStore.applyNow (reducer, interest index, idempotency)', applySync))
  lines.push(row('MemoryProfileStore.apply (awaited, as the pipeline calls it)', applyAsync))
  lines.push(row('resolve (identity graph) + apply: the identify and profile stages’ store work', resolveApply))
  lines.push(row(`redelivered events (${skipped.toLocaleString('en-US')} recognised and skipped)`, { cpu: dupCpu, wall: dupWall }))
  lines.push(row('naive: Map of mutable objects, every event appended (no identity, no idempotency, unbounded)', naiveTiming))
  lines.push(row('naive: Map of JSON strings (parse, update, stringify per event)', jsonTiming))
  store.clear()
  naive.clear()
  naiveJson.clear()

  step('2. Memory')
  // 2. Memory per profile: N customers of nine events each.
  // 1 000 hot profiles: nearly every profile measured is packed, as nearly all of 1M would be.
  const packed = new MemoryProfileStore({ rules, hotProfiles: 1_000 })
  const packedMem = heapPerProfile(MEMORY_PROFILES, (i, events) => {
    const id = packed.resolveNow({ anonymousId: `anon-${i}`, email: `user${i}@example.jp` }, { at: events[0]!.time }).profileId!
    for (const e of events) packed.applyNow(id, e)
  })
  const packedSize = packed.size
  packed.clear()
  step('live')
  const live = new MemoryProfileStore({ rules, hotProfiles: MEMORY_PROFILES })
  const liveMem = heapPerProfile(MEMORY_PROFILES, (i, events) => {
    const id = live.resolveNow({ anonymousId: `anon-${i}`, email: `user${i}@example.jp` }, { at: events[0]!.time }).profileId!
    for (const e of events) live.applyNow(id, e)
  })
  live.clear()
  step('plain')
  const plain = new Map<string, NaiveProfile>()
  const plainMem = heapPerProfile(MEMORY_PROFILES, (i, events) => {
    for (const e of events) naiveApply(plain, `anon-${i}`, e)
  })
  const plainSize = plain.size
  plain.clear()
  const gb = (bytes: number): string => `${((bytes * 1_000_000) / 1e9).toFixed(2)} GB`
  lines.push('', `Memory: ${MEMORY_PROFILES.toLocaleString('en-US')} customers, each with 2 identifiers and 9 events (view ×2, cart, consent, check-in, try-on, purchase, 2 page views); heap after a full GC, indexes included, extrapolated linearly to 1M.`, '')
  lines.push('| what | bytes per profile | 1M profiles | build time |', '| --- | ---: | ---: | ---: |')
  // Each hot profile costs the live size instead of the packed size: the default 10k hot add about 10k × (live − packed).
  lines.push(`| MemoryProfileStore, packed (1k hot, the rest packed; the default keeps 10k hot) | ${Math.round(packedMem.bytes).toLocaleString('en-US')} | ${gb(packedMem.bytes)} | ${(packedMem.ms / 1000).toFixed(1)} s |`)
  lines.push(`| MemoryProfileStore, every profile live (hotProfiles = N) | ${Math.round(liveMem.bytes).toLocaleString('en-US')} | ${gb(liveMem.bytes)} | ${(liveMem.ms / 1000).toFixed(1)} s |`)
  lines.push(`| naive: Map of mutable objects, events appended | ${Math.round(plainMem.bytes).toLocaleString('en-US')} | ${gb(plainMem.bytes)} | ${(plainMem.ms / 1000).toFixed(1)} s |`)
  if (packedSize !== MEMORY_PROFILES || plainSize !== MEMORY_PROFILES) throw new Error(`expected ${MEMORY_PROFILES} profiles, got ${packedSize} and ${plainSize}`)

  if (MILLION <= 0) return lines.join('\n')
  step(`3. ${MILLION.toLocaleString('en-US')} profiles in a child process`)
  const m = measureMillion(MILLION)
  const gib = (bytes: number): string => `${(bytes / 1e9).toFixed(2)} GB`
  lines.push(
    '',
    `Measured, not extrapolated: ${m.profiles.toLocaleString('en-US')} customers as above (2 identifiers, 9 events each) into \`new MemoryProfileStore()\` with the default settings (10k hot profiles), in a child process (\`--max-old-space-size=${MILLION_HEAP_MB} --expose-gc\`); memory after a full GC.`,
    '',
    '| what | value |',
    '| --- | ---: |',
    `| heap used by the store (growth) | ${gib(m.heapAfter - m.heapBefore)} (${Math.round((m.heapAfter - m.heapBefore) / m.profiles).toLocaleString('en-US')} bytes per profile) |`,
    `| heap used, whole process | ${gib(m.heapAfter)} (V8 holds ${gib(m.heapTotalAfter)} right after the build, ${gib(m.heapTotalSettled)} ${m.settledSeconds.toFixed(0)} s later) |`,
    `| RSS, whole process (Node and tsx: ${gib(m.rssBefore)} before building) | ${gib(m.rssAfter)} right after the build, ${gib(m.rssSettled)} ${m.settledSeconds.toFixed(0)} s later |`,
    `| build time (resolve + 9 applies per customer) | ${m.buildSeconds.toFixed(1)} s wall, ${m.buildCpuSeconds.toFixed(1)} s CPU (${rate(m.profiles, m.buildCpuSeconds * 1000)} customers/s per CPU second) |`,
  )
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const million = process.argv.indexOf('--million')
  if (million >= 0) console.log(JSON.stringify(await buildMillion(Number(process.argv[million + 1]))))
  else console.log(await run())
}
