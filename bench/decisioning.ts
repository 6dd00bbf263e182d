/**
 * Decisioning: one rule set of 10, 100 and 1000 rules run by @omotenashi/decisioning, by
 * json-rules-engine and by @gorules/zen-engine (a decision table, hit policy "collect") in the
 * same run. First every engine decides the same events and the fired rules are compared (the
 * run fails if any engine disagrees); then each is timed on the in-memory evaluation path.
 *
 * Then what deciding costs around the rules, through a whole hub: bytes allocated and CPU per
 * `hub.decide()` pull decision (the hub of bench/server.ts's decide target) and per event through
 * the decide stage (the rules of bench/nats-worker.ts, memory bus), beside the same events
 * through a hub without rules. Allocation is counted by V8's sampling heap profiler including
 * what the collector already freed; CPU is this process's (GC threads included).
 *
 *   node --conditions=@omotenashi/source --import tsx bench/decisioning.ts
 *   (DECISIONING_ONLY=hub runs only the hub rows, DECISIONING_ONLY=rules only the engines.)
 */
import { Session } from 'node:inspector'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ZenEngine } from '@gorules/zen-engine'
import { createHub, recordingChannel, VirtualClock, type Hub } from '@omotenashi/core'
import { compileRuleBook, decisioning, DecisionEngine, MemoryContactHistory, parseRules, ResponseModel, compilePolicies, ruleBook, seededRandom, type Facts, type RuleSpec } from '@omotenashi/decisioning'
import { profiles, type Profile } from '@omotenashi/profile'
import { Engine } from 'json-rules-engine'
import { EVENT_RULES, PULL_RULES } from './rules.js'

const TYPES = ['product.viewed', 'cart.item_added', 'page.viewed', 'store.checked_in', 'geofence.entered', 'beacon.sighted', 'order.placed', 'pos.purchased', 'coupon.redeemed', 'survey.answered']
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `cat-${i}`)
const TIERS = ['basic', 'silver', 'gold', 'platinum']
const SIZES = [10, 100, 1000] as const

interface BenchRule {
  readonly id: string
  readonly type: string
  readonly category: string
  readonly minPrice: number
  readonly tiers: readonly string[]
}

interface BenchEvent {
  readonly type: string
  readonly category: string
  readonly price: number
  readonly tier: string
}

/** A deterministic rule set: each rule has a trigger, an equality, a threshold and a membership test. */
function makeRules(n: number): BenchRule[] {
  const random = seededRandom(n)
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    type: TYPES[i % TYPES.length]!,
    category: CATEGORIES[Math.floor(random() * CATEGORIES.length)]!,
    minPrice: Math.floor(random() * 1000),
    tiers: TIERS.filter(() => random() < 0.6),
  })).map((r) => (r.tiers.length === 0 ? { ...r, tiers: ['gold'] } : r))
}

function makeEvents(n: number, seed: number): BenchEvent[] {
  const random = seededRandom(seed)
  return Array.from({ length: n }, () => ({
    type: TYPES[Math.floor(random() * TYPES.length)]!,
    category: CATEGORIES[Math.floor(random() * CATEGORIES.length)]!,
    price: Math.floor(random() * 1000),
    tier: TIERS[Math.floor(random() * TIERS.length)]!,
  }))
}

// ---- Omotenashi ------------------------------------------------------------------------------

function omotenashi(rules: readonly BenchRule[]): { match: (facts: Facts, type: string) => string[]; facts: (e: BenchEvent) => Facts } {
  const specs: RuleSpec[] = rules.map((r) => ({
    id: r.id,
    when: { event: r.type, if: { 'data.category': r.category, 'data.price': { gt: r.minPrice }, 'profile.traits.tier': { in: [...r.tiers] } } },
    do: { action: 'offer' },
  }))
  const set = compileRuleBook(ruleBook({ rules: specs, actions: [{ id: 'offer', channels: ['push'] }] }))
  const engine = new DecisionEngine({
    rules: () => set,
    policies: compilePolicies({}),
    history: new MemoryContactHistory(),
    channels: () => new Map(),
    model: new ResponseModel({ random: seededRandom(1) }),
  })
  const now = Date.parse('2026-03-02T01:00:00Z')
  const profiles = new Map(TIERS.map((tier) => [tier, profileOf(tier)]))
  return {
    // What a decision does per event on the hot path: build the facts, then run the trigger's closures.
    facts: (e) => engine.facts({ id: 'e', type: e.type, source: 'bench', time: '2026-03-02T01:00:00.000Z', data: { category: e.category, price: e.price } }, profiles.get(e.tier), now),
    match: (facts, type) => set.match(type, facts).map((r) => r.id),
  }
}

function profileOf(tier: string): Profile {
  const at = '2026-01-01T00:00:00.000Z'
  return { id: `c-${tier}`, version: 1, createdAt: at, updatedAt: at, identifiers: {}, traits: { tier: { value: tier, source: 'bench', at } }, consent: {}, reachability: {}, interests: {}, answers: [], activity: [], mergedFrom: [] }
}

// ---- json-rules-engine -----------------------------------------------------------------------

function jsonRulesEngine(rules: readonly BenchRule[]): (e: BenchEvent) => Promise<string[]> {
  const engine = new Engine([], { allowUndefinedFacts: true })
  rules.forEach((r, i) =>
    engine.addRule({
      priority: 1,
      name: r.id,
      conditions: {
        all: [
          { fact: 'type', operator: 'equal', value: r.type },
          { fact: 'category', operator: 'equal', value: r.category },
          { fact: 'price', operator: 'greaterThan', value: r.minPrice },
          { fact: 'tier', operator: 'in', value: [...r.tiers] },
        ],
      },
      event: { type: r.id, params: { index: i } },
    }),
  )
  return async (e) => {
    const { events } = await engine.run({ ...e })
    return events.map((x) => x.type).sort(byIndex)
  }
}

// ---- GoRules ZEN engine ----------------------------------------------------------------------

function zenEngine(rules: readonly BenchRule[]): (e: BenchEvent) => Promise<string[]> {
  const q = (s: string): string => JSON.stringify(s)
  const content = {
    nodes: [
      { id: 'in', type: 'inputNode', name: 'Request', position: { x: 0, y: 0 } },
      {
        id: 'table',
        type: 'decisionTableNode',
        name: 'Rules',
        position: { x: 300, y: 0 },
        content: {
          hitPolicy: 'collect',
          inputs: [
            { id: 'type', name: 'Type', field: 'type' },
            { id: 'category', name: 'Category', field: 'category' },
            { id: 'price', name: 'Price', field: 'price' },
            { id: 'tier', name: 'Tier', field: 'tier' },
          ],
          outputs: [{ id: 'rule', name: 'Rule', field: 'rule' }],
          rules: rules.map((r) => ({ _id: r.id, type: q(r.type), category: q(r.category), price: `> ${r.minPrice}`, tier: r.tiers.map(q).join(', '), rule: q(r.id) })),
        },
      },
      { id: 'out', type: 'outputNode', name: 'Response', position: { x: 600, y: 0 } },
    ],
    edges: [
      { id: 'e1', type: 'edge', sourceId: 'in', targetId: 'table' },
      { id: 'e2', type: 'edge', sourceId: 'table', targetId: 'out' },
    ],
  }
  const decision = new ZenEngine().createDecision(content)
  return async (e) => {
    const { result } = await decision.evaluate({ ...e })
    const rows = (Array.isArray(result) ? result : []) as Array<{ rule: string }>
    return rows.map((row) => row.rule).sort(byIndex)
  }
}

function byIndex(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1))
}

// ---- measurement -----------------------------------------------------------------------------

interface Measured {
  readonly perSecond: number
  readonly perCpuSecond: number
  readonly p99us: number
  readonly calls: number
}

/** Runs `fn` over the events for about `budgetMs`, timing each call. */
async function measure(events: readonly BenchEvent[], budgetMs: number, fn: (e: BenchEvent) => unknown): Promise<Measured> {
  const samples: number[] = []
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  let calls = 0
  let total = 0
  while (performance.now() - start < budgetMs) {
    for (let i = 0; i < 256; i++) {
      const e = events[calls % events.length]!
      const t0 = process.hrtime.bigint()
      const out = fn(e)
      if (out instanceof Promise) await out
      const dt = Number(process.hrtime.bigint() - t0)
      total += dt
      if (samples.length < 200_000) samples.push(dt)
      calls++
    }
  }
  const cpu = process.cpuUsage(cpu0)
  samples.sort((a, b) => a - b)
  // zen evaluates on its own native threads too: its CPU seconds include them.
  return { perSecond: calls / (total / 1e9), perCpuSecond: calls / ((cpu.user + cpu.system) / 1e6), p99us: samples[Math.floor(samples.length * 0.99)]! / 1000, calls }
}

/**
 * Throughput of a tight loop without per-call timers: per wall-clock second, and per second of
 * CPU this process got (on a shared machine the two differ; the second is what one core does).
 */
function throughput(events: readonly BenchEvent[], budgetMs: number, fn: (e: BenchEvent) => unknown): { wall: number; cpu: number } {
  let calls = 0
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  let elapsed = 0
  while ((elapsed = performance.now() - start) < budgetMs) {
    for (let i = 0; i < 4096; i++) fn(events[calls++ % events.length]!)
  }
  const cpu = process.cpuUsage(cpu0)
  return { wall: calls / (elapsed / 1000), cpu: calls / ((cpu.user + cpu.system) / 1e6) }
}

/** Runs `fn` in 400 ms slices until two slices agree within 15% (at most ~10 s); returns the time spent. */
function warm(events: readonly BenchEvent[], fn: (e: BenchEvent) => unknown): number {
  const start = performance.now()
  let previous = 0
  for (let i = 0; i < 25; i++) {
    const rate = throughput(events, 400, fn).cpu
    if (i >= 2 && Math.abs(rate - previous) / Math.max(rate, previous) < 0.15) break
    previous = rate
  }
  return performance.now() - start
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0)
}

// ---- deciding through a hub ------------------------------------------------------------------

const PULL_CUSTOMERS = 5000

/** Calls made in batches of `n`: what is measured. */
type Batch = (n: number) => Promise<void>

async function pullTarget(): Promise<{ hub: Hub; batch: Batch }> {
  const hub = await createHub({ modules: [profiles(), decisioning({ rules: parseRules(PULL_RULES), learning: { seed: 1 } })], bus: { capacity: 50_000 }, clock: new VirtualClock('2026-03-02T01:00:00Z') })
  await hub.start()
  for (let i = 0; i < PULL_CUSTOMERS; i++) {
    await hub.publish({ type: 'profile.traits_updated', source: 'pos', identity: { loyaltyId: `L-${i}` }, data: { traits: { tier: i % 10 === 0 ? 'gold' : 'basic' } } })
  }
  await hub.drain()
  let i = 0
  return {
    hub,
    batch: async (n) => {
      for (let k = 0; k < n; k++, i++) await hub.decide({ identity: { loyaltyId: `L-${i % PULL_CUSTOMERS}` }, placement: 'web.home' })
    },
  }
}

async function eventTarget(rules: boolean): Promise<{ hub: Hub; batch: Batch }> {
  const hub = await createHub({
    emitOutcomes: false,
    bus: { capacity: 50_000 },
    modules: [profiles(), ...(rules ? [decisioning({ rules: parseRules(EVENT_RULES), learning: { seed: 1 } }), recordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId' } })] : [])],
  })
  await hub.start()
  let i = 0
  return {
    hub,
    batch: async (n) => {
      for (let k = 0; k < n; k++, i++) {
        await hub.publish({ type: 'product.viewed', source: 'web', identity: { customerId: `c${i % 10_000}` }, data: { sku: `SKU-${i % 100}` } })
        if (k % 500 === 499) await hub.drain()
      }
      await hub.drain()
    },
  }
}

interface SamplingNode {
  readonly selfSize: number
  readonly children: readonly SamplingNode[]
}

/** Bytes allocated per call: V8's sampling heap profiler, counting objects scavenges and mark-compacts already collected. */
async function bytesPerCall(batch: Batch, n: number): Promise<number> {
  const session = new Session()
  session.connect()
  const post = <T>(method: string, params?: object): Promise<T> => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))))
  try {
    await post('HeapProfiler.enable')
    await post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    await batch(n)
    const { profile } = await post<{ profile: { head: SamplingNode } }>('HeapProfiler.stopSampling')
    let total = 0
    const walk = (node: SamplingNode): void => {
      total += node.selfSize
      node.children.forEach(walk)
    }
    walk(profile.head)
    return total / n
  } finally {
    session.disconnect()
  }
}

async function cpuPerCall(batch: Batch, n: number): Promise<number> {
  const cpu0 = process.cpuUsage()
  await batch(n)
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / n
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Bytes and µs of CPU per call: warmed up, then the median of three rounds of each. */
async function costOf(target: { hub: Hub; batch: Batch }, warmup: number, calls: number): Promise<{ bytes: number; cpuUs: number }> {
  await target.batch(warmup)
  const bytes: number[] = []
  const cpu: number[] = []
  for (let round = 0; round < 3; round++) {
    cpu.push(await cpuPerCall(target.batch, calls))
    bytes.push(await bytesPerCall(target.batch, Math.min(calls, 5000)))
  }
  await target.hub.stop()
  return { bytes: median(bytes), cpuUs: median(cpu) }
}

/** The hub rows: what a pull decision and an event through the decide stage cost, in bytes and CPU. */
export async function hubRows(): Promise<string> {
  // Warmed up past the response model's 100 000 remembered exposures (one per answer), as on a
  // server that has run for a couple of minutes at 1k requests/s: from then on each answer also
  // forgets the oldest exposure.
  const pull = await costOf(await pullTarget(), 110_000, 10_000)
  const plain = await costOf(await eventTarget(false), 30_000, 20_000)
  const ruled = await costOf(await eventTarget(true), 30_000, 20_000)
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`
  return [
    '| deciding through a hub | allocated per call | CPU per call (µs) |',
    '| --- | ---: | ---: |',
    `| hub.decide() pull decision (${PULL_CUSTOMERS.toLocaleString('en-US')} profiles, 2 rules on web.home) | ${kb(pull.bytes)} | ${pull.cpuUs.toFixed(1)} |`,
    `| event through profiles only (product.viewed, memory bus) | ${kb(plain.bytes)} | ${plain.cpuUs.toFixed(1)} |`,
    `| event through profiles + decide stage (2 rules of bench/nats-worker.ts) | ${kb(ruled.bytes)} | ${ruled.cpuUs.toFixed(1)} |`,
    `| the decide stage alone (difference) | ${kb(ruled.bytes - plain.bytes)} | ${(ruled.cpuUs - plain.cpuUs).toFixed(1)} |`,
    '',
    `Median of 3 rounds after warm-up; bytes from V8's sampling heap profiler (every allocation, collected or not), CPU from process.cpuUsage (GC threads included). Each decision is kept by the memory DecisionLog, as a running hub does. Load average ${loadavg()[0]!.toFixed(1)}.`,
  ].join('\n')
}

/** Runs the comparison and returns the markdown table. */
export async function run(): Promise<string> {
  const only = process.env['DECISIONING_ONLY']
  if (only === 'hub') return hubRows()
  const engines = await engineRows()
  return only === 'rules' ? engines : `${engines}\n\n${await hubRows()}`
}

/** The rule engines side by side. */
async function engineRows(): Promise<string> {
  const lines = [
    '| rules | engine | same rules fired | decisions/s (wall) | decisions per CPU-second | p99 (µs) | mean fired/event |',
    '| ---: | --- | :---: | ---: | ---: | ---: | ---: |',
  ]
  const events = makeEvents(10_000, 99)
  const warmups: string[] = []
  for (const size of SIZES) {
    const rules = makeRules(size)
    const ours = omotenashi(rules)
    const jre = jsonRulesEngine(rules)
    const zen = zenEngine(rules)
    // Agreement: every engine fires exactly the same rules for the same events.
    const checkEvents = events.slice(0, size === 1000 ? 150 : 400)
    let fired = 0
    for (const e of checkEvents) {
      const a = ours.match(ours.facts(e), e.type)
      const b = await jre(e)
      const c = await zen(e)
      fired += a.length
      if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(a) !== JSON.stringify(c)) {
        throw new Error(`engines disagree at ${size} rules on ${JSON.stringify(e)}: omotenashi ${a.join(',')} | json-rules-engine ${b.join(',')} | zen ${c.join(',')}`)
      }
    }
    const agree = `✓ (${checkEvents.length} events)`
    const meanFired = (fired / checkEvents.length).toFixed(2)
    // Omotenashi: facts built per event, then the compiled closures of the event's trigger.
    const oursFn = (e: BenchEvent): string[] => ours.match(ours.facts(e), e.type)
    // Warm-up until steady: V8 optimises each trigger's generated function on background
    // threads, which on a loaded machine takes seconds (a running hub is warm).
    const warmup = warm(events, oursFn)
    const oursRate = throughput(events, 1500, oursFn)
    const oursLatency = await measure(events, 800, oursFn)
    warmups.push(`${size}: ${(warmup / 1000).toFixed(1)} s`)
    lines.push(`| ${size} | @omotenashi/decisioning | ${agree} | ${fmt(oursRate.wall)} | ${fmt(oursRate.cpu)} | ${oursLatency.p99us.toFixed(2)} | ${meanFired} |`)
    const jreStats = await measure(events, size === 1000 ? 2500 : 1500, jre)
    lines.push(`| ${size} | json-rules-engine 7 | ${agree} | ${fmt(jreStats.perSecond)} | ${fmt(jreStats.perCpuSecond)} | ${jreStats.p99us.toFixed(1)} | ${meanFired} |`)
    const zenStats = await measure(events, 1500, zen)
    lines.push(`| ${size} | @gorules/zen-engine (decision table) | ${agree} | ${fmt(zenStats.perSecond)} | ${fmt(zenStats.perCpuSecond)} | ${zenStats.p99us.toFixed(1)} | ${meanFired} |`)
  }
  lines.push('', `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} while measuring. Omotenashi: facts built per event + the rules of its trigger (one generated function per trigger, indexed), timed once warm (warm-up ${warmups.join(', ')}); json-rules-engine: \`engine.run(facts)\`; zen: \`decision.evaluate(input)\` (native, async). Each engine fired the same rules on the check events before timing.`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
}
