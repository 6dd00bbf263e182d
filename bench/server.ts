/**
 * bench/server: the HTTP API under load on loopback.
 *   1. Ingest (autocannon, 8 connections): batches of 100 events (native, Segment /v1/batch,
 *      CloudEvents batch) into a hub with profiles(); every event counted as processed by the hub
 *      (nothing lost), side by side with a bare Fastify route that only parses the same JSON.
 *   2. Pull decisions: POST /v1/decide at a constant 1 000 requests/s from bench/constant-rate.ts
 *      (open loop, one request every 1/rate s, in its own process), because autocannon's
 *      overallRate sends each second's quota as a burst (see that file; its view is printed
 *      beside). Side by side, alternating rounds: a bare Fastify route answering the same bytes
 *      (the floor), and server-side CPU per request, GC pauses and event-loop delay of each.
 * Servers run in child processes so the load generators never share their event loop.
 * Run: node --conditions=@omotenashi/source --import tsx bench/server.ts
 *      (BENCH_ONLY=decide skips ingest; DECIDE_RATE, DECIDE_ROUNDS change the decision runs.)
 */
import { fork, type ChildProcess } from 'node:child_process'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { percentile, type ConstantRateJob, type ConstantRateResult } from './constant-rate.js'

const INGEST_SECONDS = 6
const BATCH = 100
const CUSTOMERS = 5000

/** What a server child announces once listening. */
type Ready = { url: string; keys: Record<string, string>; bare: string; bareDecide: string; core: string; coreKeys: Record<string, string> }
type Reply = Ready | { processed: number; accepted: number; rejected: number } | { p50: number; p99: number; n: number }

// ---------------------------------------------------------------- server side (child process)
async function serve(): Promise<void> {
  const { createHub, VirtualClock } = await import('@omotenashi/core')
  const { profiles } = await import('@omotenashi/profile')
  const { decisioning, parseRules } = await import('@omotenashi/decisioning')
  const { startTestServer } = await import('@omotenashi/server/testing')
  const Fastify = (await import('fastify')).default
  const { PULL_RULES } = await import('./rules.js')
  const rules = parseRules(PULL_RULES)
  const hub = await createHub({ modules: [profiles(), decisioning({ rules, learning: { seed: 1 } })], bus: { capacity: 50_000 }, clock: new VirtualClock('2026-03-02T01:00:00Z') })
  let processed = 0
  let accepted = 0
  hub.hooks.on('event.processed', () => void processed++)
  hub.hooks.on('event.accepted', () => void accepted++)
  await hub.start()
  // A second hub with core's defaults only (no profiles, no rules): what the HTTP layer and the bus cost.
  const coreHub = await createHub({ bus: { capacity: 50_000 } })
  let coreProcessed = 0
  let coreAccepted = 0
  coreHub.hooks.on('event.processed', () => void coreProcessed++)
  coreHub.hooks.on('event.accepted', () => void coreAccepted++)
  await coreHub.start()
  const coreServer = await startTestServer(coreHub, { rateLimit: { max: 10_000_000, timeWindowMs: 1000 }, limits: { maxBatchItems: 1000 } })
  for (let i = 0; i < CUSTOMERS; i++) {
    await hub.publish({ type: 'profile.traits_updated', source: 'pos', identity: { loyaltyId: `L-${i}` }, data: { traits: { tier: i % 10 === 0 ? 'gold' : 'basic' } } })
  }
  await hub.drain()
  const base = processed
  const baseAccepted = accepted
  const server = await startTestServer(hub, { rateLimit: { max: 10_000_000, timeWindowMs: 1000 }, limits: { maxBatchItems: 1000 } })
  // The floor: Fastify parsing the same JSON and answering, no validation, no hub.
  const bare = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 })
  let bareEvents = 0
  bare.post('/ingest', async (request) => {
    bareEvents += ((request.body as { events: unknown[] }).events ?? []).length
    return { ok: true }
  })
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
  // hub.decide() behind a bare Fastify route (no auth, rate limit, zod, metrics, hooks): the
  // difference to /v1/decide is what our HTTP stack adds; to the floor, what deciding costs.
  const bareDecide = Fastify({ logger: false })
  bareDecide.post('/decide', async (request) => {
    const body = request.body as { identity: Record<string, string>; placement: string }
    return hub.decide({ identity: body.identity, placement: body.placement })
  })
  const bareDecideUrl = await bareDecide.listen({ port: 0, host: '127.0.0.1' })
  process.send!({ url: server.url, keys: server.keys, bare: bareUrl, bareDecide: bareDecideUrl, core: coreServer.url, coreKeys: coreServer.keys })
  const stats = statsRecorder()
  process.on('message', async (message: { cmd: string }) => {
    if (message.cmd === 'stats') process.send!(stats())
    else if (message.cmd === 'count') {
      await hub.drain()
      process.send!({ processed: processed - base, accepted: accepted - baseAccepted, rejected: 0 })
      processed = base
      accepted = baseAccepted
    } else if (message.cmd === 'core') {
      await coreHub.drain()
      process.send!({ processed: coreProcessed, accepted: coreAccepted, rejected: 0 })
      coreProcessed = 0
      coreAccepted = 0
    } else if (message.cmd === 'bare') {
      process.send!({ processed: bareEvents, accepted: 0, rejected: 0 })
      bareEvents = 0
    } else if (message.cmd === 'inproc') {
      const times: number[] = []
      for (let i = 0; i < 5000; i++) {
        const t = performance.now()
        await hub.decide({ identity: { loyaltyId: `L-${i % CUSTOMERS}` }, placement: 'web.home' })
        times.push(performance.now() - t)
      }
      times.sort((a, b) => a - b)
      process.send!({ p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, n: times.length })
    } else if (message.cmd === 'stop') {
      await server.close()
      await coreServer.close()
      await coreHub.stop()
      await bare.close()
      await bareDecide.close()
      await hub.stop()
      process.exit(0)
    }
  })
}

// ---------------------------------------------------------------- load side (parent)
function ask(child: ChildProcess, cmd: string): Promise<Reply> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Reply))
    child.send({ cmd })
  })
}

function nativeBody(): string {
  return JSON.stringify({
    events: Array.from({ length: BATCH }, (_, i) => ({ type: 'product.viewed', source: 'web', identity: { loyaltyId: `L-${i * 37 % CUSTOMERS}` }, data: { sku: `SKU-${i}`, price: 1200, currency: 'JPY' } })),
  })
}
function segmentBody(): string {
  return JSON.stringify({ batch: Array.from({ length: BATCH }, (_, i) => ({ type: 'track', event: 'Product Viewed', userId: `u-${i}`, properties: { product_id: `SKU-${i}`, price: 1200, currency: 'JPY' } })) })
}
function cloudEventsBody(): string {
  return JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ specversion: '1.0', id: `ce-${i}`, source: 'web', type: 'product.viewed', loyaltyid: `L-${i}`, data: { sku: `SKU-${i}` } })))
}

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

const DECIDE_RATE = Number(process.env['DECIDE_RATE'] ?? 1000)
const DECIDE_CONNECTIONS = 16
const DECIDE_WARMUP_SECONDS = 3
const DECIDE_ROUNDS = Number(process.env['DECIDE_ROUNDS'] ?? 3)
const DECIDE_ROUND_SECONDS = 5
const SEMI_SPACE_MB = 64

interface ServerStats {
  readonly cpuMicros: number
  readonly gcCount: number
  readonly gcTotalMs: number
  readonly gcMaxMs: number
  readonly loopDelayP99Ms: number
}

/** Server-side CPU, GC pauses and event-loop delay since the last call: what the latency tail is made of, robust to a noisy machine. */
function statsRecorder(): () => ServerStats {
  let gc: number[] = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc.push(entry.duration)
  }).observe({ entryTypes: ['gc'] })
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  let cpu = process.cpuUsage()
  return () => {
    const used = process.cpuUsage(cpu)
    const stats = { cpuMicros: used.user + used.system, gcCount: gc.length, gcTotalMs: gc.reduce((a, b) => a + b, 0), gcMaxMs: Math.max(0, ...gc), loopDelayP99Ms: loop.percentile(99) / 1e6 }
    gc = []
    loop.reset()
    cpu = process.cpuUsage()
    return stats
  }
}

/** The latency floor: a bare Fastify route answering a constant body, in a process of its own. */
async function serveFloor(): Promise<void> {
  const Fastify = (await import('fastify')).default
  const body = await new Promise<string>((resolve) => process.once('message', (m: { body: string }) => resolve(m.body)))
  const app = Fastify({ logger: false })
  app.post('/decide', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
  const stats = statsRecorder()
  process.on('message', (m: { cmd?: string }) => {
    if (m.cmd === 'stats') process.send!(stats())
  })
  process.send!({ url: await app.listen({ port: 0, host: '127.0.0.1' }) })
}

function summarise(name: string, results: ConstantRateResult[]): string {
  const ms = (x: number): string => x.toFixed(2)
  const send = results.flatMap((r) => r.fromSend).sort((a, b) => a - b)
  const due = results.flatMap((r) => r.fromDue).sort((a, b) => a - b)
  const sum = (k: 'non2xx' | 'errors'): number => results.reduce((n, r) => n + r[k], 0)
  return `| ${name} | ${send.length} | ${[0.5, 0.9, 0.99, 0.999].map((q) => ms(percentile(send, q))).join(' / ')} / ${ms(send.at(-1) ?? Number.NaN)} | ${ms(percentile(due, 0.5))} / ${ms(percentile(due, 0.99))} | ${sum('non2xx')} | ${sum('errors')} |`
}

/** `/v1/decide` against the floor at a constant rate, alternating, plus autocannon's view of the same. */
async function decideLatency(url: string, bareDecideUrl: string, auth: Record<string, string>, server: ChildProcess, tuned: { url: string; auth: Record<string, string>; process: ChildProcess }): Promise<{ rows: string[]; stats: string[] }> {
  const bodies = Array.from({ length: CUSTOMERS }, (_, i) => JSON.stringify({ identity: { loyaltyId: `L-${i}` }, placement: 'web.home' }))
  const sample = await (await fetch(`${url}/v1/decide`, { method: 'POST', headers: auth, body: bodies[1]! })).text()
  const floorChild = fork(fileURLToPath(import.meta.url), ['--floor'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  floorChild.send({ body: sample })
  const floorUrl = (await new Promise<{ url: string }>((resolve) => floorChild.once('message', (m) => resolve(m as { url: string })))).url
  const loader = fork(fileURLToPath(new URL('./constant-rate.ts', import.meta.url)), ['--constant-rate-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise((resolve) => loader.once('message', resolve))
  const targets = [
    { name: 'bare Fastify, constant body (floor)', process: floorChild, job: { url: `${floorUrl}/decide`, headers: { 'content-type': 'application/json' } } },
    { name: 'bare Fastify + hub.decide(): same hub, same process as ours', process: server, job: { url: `${bareDecideUrl}/decide`, headers: { 'content-type': 'application/json' } } },
    { name: 'ours: `POST /v1/decide` (auth, rate limit, zod, hub.decide, metrics)', process: server, job: { url: `${url}/v1/decide`, headers: auth } },
    { name: `ours with node --max-semi-space-size=${SEMI_SPACE_MB}: same code, larger young generation`, process: tuned.process, job: { url: `${tuned.url}/v1/decide`, headers: tuned.auth } },
  ]
  const totals = targets.map(() => ({ cpuMicros: 0, gcCount: 0, gcTotalMs: 0, gcMaxMs: 0, loopDelayP99Ms: 0 }))
  const drive = (target: (typeof targets)[number], seconds: number): Promise<ConstantRateResult> =>
    new Promise((resolve) => {
      loader.once('message', (m) => resolve(m as ConstantRateResult))
      const job: ConstantRateJob = { ...target.job, method: 'POST', bodies, rate: DECIDE_RATE, seconds, connections: DECIDE_CONNECTIONS }
      loader.send(job)
    })
  const results = targets.map(() => [] as ConstantRateResult[])
  for (const target of targets) await drive(target, DECIDE_WARMUP_SECONDS)
  for (let round = 0; round < DECIDE_ROUNDS; round++) {
    for (const [i, target] of targets.entries()) {
      await ask(target.process, 'stats')
      results[i]!.push(await drive(target, DECIDE_ROUND_SECONDS))
      const s = (await ask(target.process, 'stats')) as unknown as ServerStats
      const t = totals[i]!
      t.cpuMicros += s.cpuMicros
      t.gcCount += s.gcCount
      t.gcTotalMs += s.gcTotalMs
      t.gcMaxMs = Math.max(t.gcMaxMs, s.gcMaxMs)
      t.loopDelayP99Ms = Math.max(t.loopDelayP99Ms, s.loopDelayP99Ms)
    }
  }
  const rows = targets.map((t, i) => summarise(t.name, results[i]!))
  const stats = targets.map((t, i) => {
    const s = totals[i]!
    const n = results[i]!.reduce((a, r) => a + r.completed, 0)
    return `| ${t.name.split(':')[0]} | ${(s.cpuMicros / n).toFixed(0)} | ${s.gcCount} | ${s.gcTotalMs.toFixed(1)} / ${s.gcMaxMs.toFixed(1)} | ${s.loopDelayP99Ms.toFixed(2)} (worst round) |`
  })
  // autocannon's overallRate for comparison with earlier numbers: per-second quotas, i.e. bursts (see constant-rate.ts).
  for (const target of [targets[0]!, targets[2]!]) {
    let n = 0
    const burst = await load({
      url: target.job.url,
      method: 'POST',
      headers: target.job.headers,
      connections: 10,
      overallRate: DECIDE_RATE,
      duration: DECIDE_ROUND_SECONDS,
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length]! }) }],
    })
    rows.push(`| ${target.name.split(':')[0]}, autocannon overallRate (bursts each second) | ${burst.requests.total} | ${burst.latency.p50} / ${burst.latency.p90} / ${burst.latency.p99} / ${burst.latency.p99_9} / ${burst.latency.max} | | ${burst.non2xx} | ${burst.errors} |`)
  }
  loader.kill()
  floorChild.kill()
  return { rows, stats }
}

/** Unique ids per request would defeat nothing here (no ids: the hub assigns them), so bodies repeat. */
export async function run(): Promise<string> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ready = (await new Promise<Reply>((resolve) => child.once('message', (m) => resolve(m as Reply)))) as Ready
  const auth = { authorization: `Bearer ${ready.keys['all']}`, 'content-type': 'application/json' }
  const rows: string[] = []
  const ingest = async (name: string, url: string, path: string, body: string, headers: Record<string, string>, counter: string): Promise<void> => {
    // Each request gets fresh event ids where the format carries them (CloudEvents), else the dedupe window would (rightly) drop repeats.
    let r = 0
    const result = await load({ url: url + path, method: 'POST', headers, connections: 8, duration: INGEST_SECONDS, requests: [{ setupRequest: (req) => ({ ...req, body: body.includes('"ce-') ? body.replaceAll('"ce-', `"ce-${r++}-`) : body }) }] })
    const done = (await ask(child, counter)) as { processed: number; accepted: number }
    const rate = Math.round(done.processed / INGEST_SECONDS)
    const lost = done.accepted - done.processed
    rows.push(`| ${name} | ${rate.toLocaleString('en-US')} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} / ${result.latency.p99} | ${result.non2xx} | ${counter === 'bare' ? 'n/a (no hub)' : lost === 0 ? 'none' : String(lost)} |`)
  }
  if (process.env['BENCH_ONLY'] !== 'decide') {
  await ingest('native `/v1/events/batch` → hub (core defaults only)', ready.core, '/v1/events/batch', nativeBody(), { ...auth, authorization: `Bearer ${ready.coreKeys['all']}` }, 'core')
  await ingest('native `/v1/events/batch` → hub (profiles + rules)', ready.url, '/v1/events/batch', nativeBody(), auth, 'count')
  await ingest('Segment `/v1/batch` → hub (profiles + rules)', ready.url, '/v1/batch', segmentBody(), auth, 'count')
  await ingest('CloudEvents batch → hub (profiles + rules)', ready.url, '/v1/cloudevents', cloudEventsBody(), { ...auth, 'content-type': 'application/cloudevents-batch+json' }, 'count')
  await ingest('bare Fastify: parse JSON only (floor)', ready.bare, '/ingest', nativeBody(), { 'content-type': 'application/json' }, 'bare')
  }

  // Decisions run against a fresh server process: the one above now holds everything the ingest
  // runs produced (profiles, decision logs, dedupe windows), and collecting that heap is not what
  // a pull decision costs.
  child.send({ cmd: 'stop' })
  await new Promise((resolve) => child.once('exit', resolve))
  const decideChild = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const fresh = (await new Promise<Reply>((resolve) => decideChild.once('message', (m) => resolve(m as Reply)))) as Ready
  const decideAuth = { authorization: `Bearer ${fresh.keys['all']}`, 'content-type': 'application/json' }
  // The same server with a larger young generation: deciding allocates ~24 KB per call, so the
  // scavenges (not the HTTP stack) make the tail; this shows what the V8 flag buys.
  const tunedChild = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, `--max-semi-space-size=${SEMI_SPACE_MB}`] })
  const tuned = (await new Promise<Reply>((resolve) => tunedChild.once('message', (m) => resolve(m as Reply)))) as Ready
  const decide = await decideLatency(fresh.url, fresh.bareDecide, decideAuth, decideChild, { url: tuned.url, auth: { authorization: `Bearer ${tuned.keys['all']}`, 'content-type': 'application/json' }, process: tunedChild })
  tunedChild.send({ cmd: 'stop' })
  await new Promise((resolve) => tunedChild.once('exit', resolve))
  // Server-side time of the same requests, from the server's own histogram (bucket upper bounds):
  // separates what the handler costs from queueing in the OS and the client on a busy machine.
  const metrics = await (await fetch(`${fresh.url}/metrics`, { headers: { authorization: decideAuth.authorization } })).text()
  const buckets = [...metrics.matchAll(/omotenashi_http_request_duration_seconds_bucket\{le="([^"]+)",method="POST",route="\/v1\/decide",status="200"\} (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const)
  const count = buckets.at(-1)?.[1] ?? 0
  const quantile = (q: number): string => {
    const hit = buckets.find(([, n]) => n >= q * count)
    return hit === undefined ? '?' : Number.isFinite(hit[0]) ? `≤ ${hit[0] * 1000}` : '> 2500'
  }
  const inproc = (await ask(decideChild, 'inproc')) as { p50: number; p99: number; n: number }
  decideChild.send({ cmd: 'stop' })
  await new Promise((resolve) => decideChild.once('exit', resolve))
  return [
    `Ingest, batches of ${BATCH} events, 8 connections, ${INGEST_SECONDS} s each; events/s = events the hub finished processing (identify → profile → decide) per second; lost = accepted by the hub but never processed.`,
    '',
    '| ingest path | events/s processed | req/s | latency p50 / p99 (ms) | non-2xx | lost |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `Pull decisions (\`POST /v1/decide\`, placement web.home, ${CUSTOMERS} profiles, 2 rules) at a constant ${DECIDE_RATE.toLocaleString('en-US')} req/s over ${DECIDE_CONNECTIONS} keep-alive connections (bench/constant-rate.ts, open loop, in its own process): ${DECIDE_WARMUP_SECONDS} s warm-up per target, then ${DECIDE_ROUNDS} alternating rounds of ${DECIDE_ROUND_SECONDS} s per target, samples pooled. "from send" is what wrk/autocannon report; "from due" counts from when the request was scheduled (includes generator lag and waiting for a connection). The floor is a bare Fastify route (no logger, no hooks) in its own process answering a captured /v1/decide response as a constant; the middle row calls hub.decide() from a bare Fastify route in ours' process, so row 3 minus row 2 is our HTTP stack, row 2 minus row 1 is deciding (and its garbage).`,
    '',
    '| target | requests | from send p50 / p90 / p99 / p99.9 / max (ms) | from due p50 / p99 (ms) | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...decide.rows,
    '',
    'Server side during the measured rounds (same runs): CPU per request, GC pauses, event-loop delay p99.',
    '',
    '| target | CPU µs/request | GC pauses | GC total / max (ms) | event-loop delay p99 (ms) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...decide.stats,
    '',
    'Inside the server and in process:',
    '',
    '| path | requests | p50 (ms) | p99 (ms) | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| same requests, time inside the server (its histogram) | ${count} | ${quantile(0.5)} | ${quantile(0.99)} | |`,
    `| \`hub.decide()\` in process, one after another | ${inproc.n} | ${inproc.p50.toFixed(2)} | ${inproc.p99.toFixed(2)} | 0 |`,
  ].join('\n')
}

if (process.argv.includes('--serve')) await serve()
else if (process.argv.includes('--floor')) await serveFloor()
else if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await run())
