/**
 * LINE multicast to 100,000 users through the local LINE server (which checks every request
 * against LINE's contract and enforces the rate limit with 429s, like LINE), with faults
 * scripted on some batches: a 5xx after LINE accepted the batch, and an answer slower than the
 * client's timeout. Compares `lineChannel().multicast` (retry keys, client-side rate limiter)
 * with the code a user would write on @line/bot-sdk alone (concurrent multicast calls, retry on
 * error after a pause, no retry key).
 *
 *   node --conditions=@omotenashi/source --import tsx bench/line.ts
 */
import { fileURLToPath } from 'node:url'
import { messagingApi } from '@line/bot-sdk'
import { createLineParts } from '@omotenashi/channel-line'
import { LineTestServer, lineUserId, type LineFault, type LineRequest } from '@omotenashi/channel-line/testing'

const SPEC = fileURLToPath(new URL('../../shared/contracts/line/messaging-api.yml', import.meta.url))
const USERS = Array.from({ length: 100_000 }, (_, i) => lineUserId(i))
const INDEX = new Map(USERS.map((u, i) => [u, i]))
const BATCH = 500
const CONCURRENCY = 16
const TIMEOUT_MS = 1000

/**
 * Faults on the first attempt of some batches (by batch number), among the first three quarters
 * so their retries overlap with the rest of the run: every 25th batch (from the 3rd) is accepted
 * and answered 500; every 25th (from the 11th) is accepted and answered after 1.5 s.
 */
function faults(): (request: LineRequest) => LineFault | undefined {
  const hit = new Set<number>()
  return (request) => {
    const first = (request.body as { to?: string[] }).to?.[0]
    const batch = Math.floor((INDEX.get(first ?? '') ?? -1) / BATCH)
    if (batch < 0 || batch >= 150 || hit.has(batch)) return undefined
    if (batch % 25 === 3) return hit.add(batch), { status: 500, accept: true }
    if (batch % 25 === 11) return hit.add(batch), { delayMs: 1500 }
    return undefined
  }
}

interface Row {
  readonly client: string
  readonly limit: number
  readonly requests: number
  readonly rejected429: number
  readonly rate: number
  readonly elapsedS: number
  readonly delivered: number
  readonly duplicates: number
  readonly missing: number
  readonly violations: number
}

function measure(client: string, limit: number, line: LineTestServer, elapsedMs: number): Row {
  const arrivals = line.requests.map((r) => r.at)
  const span = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000
  const reached = new Set(line.deliveries.map((d) => d.to))
  return {
    client,
    limit,
    requests: line.requests.length,
    rejected429: line.requests.filter((r) => r.status === 429).length,
    rate: span > 0 ? (line.requests.length - 1) / span : 0,
    elapsedS: elapsedMs / 1000,
    delivered: line.deliveries.length,
    duplicates: line.duplicateDeliveries(),
    missing: USERS.length - reached.size,
    violations: line.violations().length,
  }
}

async function omotenashi(limit: number, withFaults = true): Promise<Row> {
  const line = await LineTestServer.start({ spec: SPEC, rateLimit: { multicast: limit }, ...(withFaults ? { fault: faults() } : {}) })
  try {
    const { channel } = createLineParts({
      channelAccessToken: 'bench',
      channelSecret: 'bench',
      baseUrl: line.url,
      rateLimit: { multicast: limit },
      multicastConcurrency: CONCURRENCY,
      timeoutMs: TIMEOUT_MS,
      retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 2000 },
    })
    const started = performance.now()
    const result = await channel.multicast({ actionId: 'spring-sale', text: '春のセール開催中 / Spring sale is on' }, USERS, { idempotencyKey: `bench-${limit}` })
    const elapsed = performance.now() - started
    if (result.failed > 0) throw new Error(`${result.failed} users failed`)
    return measure(`lineChannel().multicast: retry keys + rate limiter${withFaults ? '' : ' (no faults)'}`, limit, line, elapsed)
  } finally {
    await line.close()
  }
}

async function plainSdk(limit: number | undefined, withFaults = true): Promise<Row> {
  const line = await LineTestServer.start({ spec: SPEC, ...(limit === undefined ? {} : { rateLimit: { multicast: limit } }), ...(withFaults ? { fault: faults() } : {}) })
  try {
    const client = new messagingApi.MessagingApiClient({ channelAccessToken: 'bench', baseURL: line.url })
    const batches: string[][] = []
    for (let i = 0; i < USERS.length; i += BATCH) batches.push(USERS.slice(i, i + BATCH))
    const started = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const to = batches[next++]!
        for (let attempt = 1; attempt <= 10; attempt++) {
          try {
            await client.multicast({ to, messages: [{ type: 'text', text: '春のセール開催中 / Spring sale is on' }] })
            break
          } catch {
            await new Promise((r) => setTimeout(r, 1000))
          }
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const label = limit === undefined ? '@line/bot-sdk alone, no limit anywhere, no faults (this machine\'s ceiling)' : '@line/bot-sdk alone: retry on error, no retry key'
    return measure(label, limit ?? Number.NaN, line, performance.now() - started)
  } finally {
    await line.close()
  }
}

/** Runs the benchmark and returns a markdown table. */
export async function run(): Promise<string> {
  const rows = [await omotenashi(50), await plainSdk(50), await omotenashi(200, false), await plainSdk(undefined, false)]
  const lines = [
    `Multicast of one message to ${USERS.length.toLocaleString('en')} users (${USERS.length / BATCH} batches of ${BATCH}), ${CONCURRENCY} batches in flight; the server enforces the limit with 429s.`,
    'Faults on first attempts (rows at 50 req/s): 6 batches accepted then answered 500, 6 accepted then answered after 1.5 s (client timeout 1 s). The 200 req/s row (LINE\'s published multicast limit) runs without faults: at that rate the whole send takes about a second, less than one timeout.',
    'Rate = requests the server received / time between the first and the last (429s included).',
    '',
    '| client | limit (req/s) | requests | 429s | achieved req/s | % of limit | wall time (s) | deliveries | duplicate deliveries | users missed | contract violations |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.client} | ${Number.isNaN(r.limit) ? '—' : r.limit} | ${r.requests} | ${r.rejected429} | ${r.rate.toFixed(1)} | ${Number.isNaN(r.limit) ? '—' : `${((r.rate / r.limit) * 100).toFixed(1)} %`} | ${r.elapsedS.toFixed(2)} | ${r.delivered} | ${r.duplicates} | ${r.missing} | ${r.violations} |`,
    )
  }
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
}
