/**
 * bench/server: the HTTP API under load on loopback, with autocannon.
 *   1. Ingest: batches of 100 events (native, Segment /v1/batch, CloudEvents batch) into a hub
 *      with profiles(); every event counted as processed by the hub (nothing lost), side by side
 *      with a bare Fastify route that only parses the same JSON (the HTTP + JSON floor).
 *   2. Pull decisions: POST /v1/decide at a fixed 1 000 requests/s, p50/p99, side by side with
 *      hub.decide() in-process (what the HTTP layer adds).
 * The server runs in a child process so autocannon does not share its event loop.
 * Run: node --conditions=@omotenashi/source --import tsx bench/server.ts
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const INGEST_SECONDS = 6
const DECIDE_SECONDS = 8
const BATCH = 100
const CUSTOMERS = 5000

type Reply = { url: string; keys: Record<string, string>; bare: string } | { processed: number; accepted: number; rejected: number } | { p50: number; p99: number; n: number }

// ---------------------------------------------------------------- server side (child process)
async function serve(): Promise<void> {
  const { createHub, VirtualClock } = await import('@omotenashi/core')
  const { profiles } = await import('@omotenashi/profile')
  const { decisioning, parseRules } = await import('@omotenashi/decisioning')
  const { startTestServer } = await import('@omotenashi/server/testing')
  const Fastify = (await import('fastify')).default
  const rules = parseRules(`
version: 1
actions:
  - { id: hero-sale, value: 1, placements: [web.home], content: { default: { title: 'Spring sale' } } }
  - { id: hero-new, value: 0.6, placements: [web.home], content: { default: { title: 'New arrivals' } } }
  - { id: hero-vip, value: 2, placements: [web.home], content: { default: { title: 'VIP preview' } } }
segments:
  vip: { profile.traits.tier: { in: [gold] } }
rules:
  - id: home-hero
    when: { placement: web.home }
    do: { actions: [hero-sale, hero-new] }
  - id: home-hero-vip
    when: { placement: web.home, if: { segment: vip } }
    do: { action: hero-vip }
`)
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
  process.send!({ url: server.url, keys: server.keys, bare: bareUrl, core: coreServer.url, coreKeys: coreServer.keys })
  process.on('message', async (message: { cmd: string }) => {
    if (message.cmd === 'count') {
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

/** Unique ids per request would defeat nothing here (no ids: the hub assigns them), so bodies repeat. */
export async function run(): Promise<string> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ready = (await new Promise<Reply>((resolve) => child.once('message', (m) => resolve(m as Reply)))) as { url: string; keys: Record<string, string>; bare: string; core: string; coreKeys: Record<string, string> }
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
  await ingest('native `/v1/events/batch` → hub (core defaults only)', ready.core, '/v1/events/batch', nativeBody(), { ...auth, authorization: `Bearer ${ready.coreKeys['all']}` }, 'core')
  await ingest('native `/v1/events/batch` → hub (profiles + rules)', ready.url, '/v1/events/batch', nativeBody(), auth, 'count')
  await ingest('Segment `/v1/batch` → hub (profiles + rules)', ready.url, '/v1/batch', segmentBody(), auth, 'count')
  await ingest('CloudEvents batch → hub (profiles + rules)', ready.url, '/v1/cloudevents', cloudEventsBody(), { ...auth, 'content-type': 'application/cloudevents-batch+json' }, 'count')
  await ingest('bare Fastify: parse JSON only (floor)', ready.bare, '/ingest', nativeBody(), { 'content-type': 'application/json' }, 'bare')

  let n = 0
  const decide = await load({
    url: `${ready.url}/v1/decide`,
    method: 'POST',
    headers: auth,
    connections: 10,
    overallRate: 1000,
    duration: DECIDE_SECONDS,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ identity: { loyaltyId: `L-${n++ % CUSTOMERS}` }, placement: 'web.home' }) }) }],
  })
  // Server-side time of the same requests, from the server's own histogram (bucket upper bounds):
  // separates what the handler costs from queueing in the OS and the client on a busy machine.
  const metrics = await (await fetch(`${ready.url}/metrics`, { headers: { authorization: auth.authorization } })).text()
  const buckets = [...metrics.matchAll(/omotenashi_http_request_duration_seconds_bucket\{le="([^"]+)",method="POST",route="\/v1\/decide",status="200"\} (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const)
  const count = buckets.at(-1)?.[1] ?? 0
  const quantile = (q: number): string => {
    const hit = buckets.find(([, n]) => n >= q * count)
    return hit === undefined ? '?' : Number.isFinite(hit[0]) ? `≤ ${hit[0] * 1000}` : '> 2500'
  }
  const inproc = (await ask(child, 'inproc')) as { p50: number; p99: number; n: number }
  child.send({ cmd: 'stop' })
  await new Promise((resolve) => child.once('exit', resolve))
  return [
    `Ingest, batches of ${BATCH} events, 8 connections, ${INGEST_SECONDS} s each; events/s = events the hub finished processing (identify → profile → decide) per second; lost = accepted by the hub but never processed.`,
    '',
    '| ingest path | events/s processed | req/s | latency p50 / p99 (ms) | non-2xx | lost |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    `Pull decisions (\`POST /v1/decide\`, placement web.home, ${CUSTOMERS} profiles, 2 rules), fixed rate 1 000 req/s for ${DECIDE_SECONDS} s:`,
    '',
    '| path | requests | p50 (ms) | p99 (ms) | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| HTTP \`/v1/decide\` (autocannon) | ${decide.requests.total} | ${decide.latency.p50} | ${decide.latency.p99} | ${decide.non2xx} |`,
    `| same requests, time inside the server (its histogram) | ${count} | ${quantile(0.5)} | ${quantile(0.99)} | |`,
    `| \`hub.decide()\` in process, one after another | ${inproc.n} | ${inproc.p50.toFixed(2)} | ${inproc.p99.toFixed(2)} | 0 |`,
  ].join('\n')
}

if (process.argv.includes('--serve')) await serve()
else if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await run())
