/**
 * bench/nats: events/s consumed by one hub worker process and by two, through NATS JetStream
 * (profiles applied in memory). Needs the local NATS server.
 * Run: node --conditions=@omotenashi/source --import tsx bench/nats.ts
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { connect } from 'nats'
import { NatsEventBus } from '@omotenashi/bus-nats'
import type { OmoEvent } from '@omotenashi/core'

const N = Number(process.env['NATS_BENCH_EVENTS'] ?? 30_000)
const worker = fileURLToPath(new URL('./nats-worker.ts', import.meta.url))

async function spawn(hub: string, id: string, maxAckPending: number): Promise<ChildProcess> {
  const child = fork(worker, [], {
    execArgv: ['--conditions=@omotenashi/source', '--import', 'tsx'],
    env: { ...process.env, HUB: hub, WORKER_ID: id, MAX_ACK_PENDING: String(maxAckPending) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  await new Promise((resolve) => child.once('message', resolve))
  return child
}

async function measure(workers: number, maxAckPending: number): Promise<number> {
  const hub = `bench${randomUUID().slice(0, 6)}`
  const publisher = new NatsEventBus({ hub, partitions: 32 })
  // Workers first (start-up is not what is measured), then the events, timed until all are processed.
  const children: ChildProcess[] = []
  for (let w = 0; w < workers; w++) children.push(await spawn(hub, `w${w}`, maxAckPending))
  await new Promise((r) => setTimeout(r, 1_500)) // let the workers settle their partitions
  const t = performance.now()
  const publishes: Array<Promise<void>> = []
  for (let i = 0; i < N; i++) {
    const event: OmoEvent = { id: `e${i}`, type: 'product.viewed', source: 'web', time: '2026-01-01T00:00:00.000Z', identity: { customerId: `c${i % 5_000}` }, data: { sku: `SKU-${i % 100}` } }
    publishes.push(publisher.publish(event))
    if (publishes.length >= 1_000) await Promise.all(publishes.splice(0))
  }
  await Promise.all(publishes)
  await publisher.drain()
  const ms = performance.now() - t
  for (const c of children) c.kill('SIGTERM')
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))))
  await publisher.stop()
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
  const jsm = await nc.jetstreamManager()
  for (const name of [`OMO_${hub}`, `KV_OMO_${hub}_owners`, `KV_OMO_${hub}_members`]) await jsm.streams.delete(name).catch(() => undefined)
  await nc.close()
  return (N / ms) * 1000
}

export async function run(): Promise<string> {
  const rows: string[] = ['| mode | 1 worker (events/s) | 2 workers (events/s) | ratio |', '| --- | ---: | ---: | ---: |']
  for (const [label, pending] of [
    ['strict order across crashes (maxAckPending 1)', 1],
    ['throughput (maxAckPending 64)', 64],
  ] as const) {
    const one = await measure(1, pending)
    const two = await measure(2, pending)
    rows.push(`| ${label} | ${Math.round(one).toLocaleString('en-US')} | ${Math.round(two).toLocaleString('en-US')} | ${(two / one).toFixed(2)}× |`)
  }
  return rows.join('\n') + `\n\n${N.toLocaleString('en-US')} events over 5,000 customers and 32 partitions; timed from the first publish until every event is processed (workers already running).`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
  process.exit(0)
}
