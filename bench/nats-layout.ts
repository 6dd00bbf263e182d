/**
 * bench/nats-layout: the NATS server's CPU per event delivered to partitioned pull consumers,
 * with every partition in one stream (a filtered consumer per partition: the bus's layout before
 * 2026-11-23) against a stream per partition (the bus's layout now). No hub: bare JetStream
 * clients, so only the server's side of the layout is measured. Needs the local NATS server.
 *
 * Run: node --conditions=@omotenashi/source --import tsx bench/nats-layout.ts
 */
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, connect, type JetStreamManager } from 'nats'
import { partitionStream, partitionSubject } from '@omotenashi/bus-nats'
import { natsServerCpuMs } from './proc-cpu.js'

const PARTITIONS = 32
const PER_MESSAGE = 31 // what bench/nats.ts's publisher packs
const MESSAGES_PER_PARTITION = Number(process.env['NATS_LAYOUT_MESSAGES'] ?? 300)
const ROUNDS = Number(process.env['NATS_LAYOUT_ROUNDS'] ?? 3)

type Layout = 'one stream' | 'stream per partition'

const event = (i: number) =>
  JSON.stringify({ id: `e${i}`, type: 'product.viewed', source: 'web', time: '2026-01-01T00:00:00.000Z', identity: { customerId: `c${i % 10_000}` }, data: { sku: `SKU-${i % 100}` } })

async function measure(jsm: JetStreamManager, layout: Layout): Promise<{ serverUs: number; rate: number }> {
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
  const js = nc.jetstream()
  const hub = `layout${randomUUID().slice(0, 6)}`
  const stream = (p: number) => (layout === 'one stream' ? `OMO_${hub}` : partitionStream(hub, p))
  const streams = layout === 'one stream' ? [`OMO_${hub}`] : Array.from({ length: PARTITIONS }, (_, p) => stream(p))
  const base = { storage: StorageType.File, retention: RetentionPolicy.Limits }
  if (layout === 'one stream') await jsm.streams.add({ ...base, name: streams[0]!, subjects: [`omo.${hub}.p.*`] })
  else for (let p = 0; p < PARTITIONS; p++) await jsm.streams.add({ ...base, name: stream(p), subjects: [partitionSubject(hub, p)] })
  // Interleaved as a live hub's publishers interleave them: partition after partition.
  let i = 0
  for (let m = 0; m < MESSAGES_PER_PARTITION; m++) {
    await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => js.publish(partitionSubject(hub, p), `[${Array.from({ length: PER_MESSAGE }, () => event(i++)).join(',')}]`)))
  }
  const consumers = []
  for (let p = 0; p < PARTITIONS; p++) {
    const filter = layout === 'one stream' ? { filter_subject: partitionSubject(hub, p) } : {}
    await jsm.consumers.add(stream(p), { durable_name: `c${p}`, ...filter, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: 64 })
    consumers.push(await js.consumers.get(stream(p), `c${p}`))
  }
  const before = natsServerCpuMs()
  const t = performance.now()
  await Promise.all(
    consumers.map(async (consumer) => {
      const messages = await consumer.consume({ max_messages: 64 })
      let n = 0
      for await (const message of messages) {
        JSON.parse(new TextDecoder().decode(message.data))
        // Cumulative acks, about as often as the bus sends them.
        if (++n % 16 === 0 || n === MESSAGES_PER_PARTITION) message.ack()
        if (n === MESSAGES_PER_PARTITION) break
      }
    }),
  )
  const ms = performance.now() - t
  const after = natsServerCpuMs()
  await nc.close()
  for (const name of streams) await jsm.streams.delete(name)
  const events = PARTITIONS * MESSAGES_PER_PARTITION * PER_MESSAGE
  return { serverUs: before === undefined || after === undefined ? Number.NaN : ((after - before) / events) * 1000, rate: (events / ms) * 1000 }
}

export async function run(): Promise<string> {
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
  const jsm = await nc.jetstreamManager()
  const results = new Map<Layout, Array<{ serverUs: number; rate: number }>>([
    ['one stream', []],
    ['stream per partition', []],
  ])
  // Alternated, so that a slow minute of this VM does not fall on one layout only.
  for (let r = 0; r < ROUNDS; r++) for (const [layout, runs] of results) runs.push(await measure(jsm, layout))
  await nc.close()
  const rows = ['| layout | nats-server CPU µs/event (each round) | events/s consumed (each round) |', '| --- | --- | --- |']
  for (const [layout, runs] of results) {
    rows.push(`| ${layout} | ${runs.map((m) => m.serverUs.toFixed(2)).join(' / ')} | ${runs.map((m) => Math.round(m.rate).toLocaleString('en-US')).join(' / ')} |`)
  }
  const events = (PARTITIONS * MESSAGES_PER_PARTITION * PER_MESSAGE).toLocaleString('en-US')
  return `${rows.join('\n')}\n\n${events} events, ${PER_MESSAGE} to a message, over ${PARTITIONS} partitions, consumed by ${PARTITIONS} pull consumers (64 in flight each, cumulative acks every 16 messages) in one process.`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
  process.exit(0)
}
