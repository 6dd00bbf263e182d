import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect } from 'vitest'
import { AckPolicy, DeliverPolicy, connect, headers } from 'nats'
import { partitionKey, type OmoEvent } from '@omotenashi/core'
import { describeEventBusContract, serviceTest } from '@omotenashi/core/testing'
import { NatsEventBus } from './nats-event-bus.js'
import { deleteHub, hubBuckets, partitionStream, partitionSubject } from './hub-streams.js'
import type { NatsBusOptions } from './options.js'
import { assignPartitions, partitionOf } from './partitions.js'

const test = await serviceTest('nats')
const hubs: string[] = []
const newHub = () => {
  const hub = `t${randomUUID().slice(0, 8)}`
  hubs.push(hub)
  return hub
}

// Small leases and ack waits so takeovers happen within a test's time.
const fast = { partitions: 4, leaseMs: 1_500, rebalanceMs: 200, ackWaitMs: 1_000 }

afterAll(async () => {
  // Remove what the tests created on the shared NATS server.
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' }).catch(() => undefined)
  if (!nc) return
  const jsm = await nc.jetstreamManager()
  for (const hub of hubs) await deleteHub(jsm, hub)
  await nc.close()
})

const ev = (customer: string, n: number): OmoEvent => ({
  id: `${customer}-${n}-${randomUUID()}`,
  type: 'page.viewed',
  source: 'web',
  time: '2026-01-01T00:00:00.000Z',
  identity: { customerId: customer },
  data: { n },
})

/**
 * A worker that takes an event and dies on it: it starts on a connection of its own, runs
 * `meanwhile` (publishing, say), waits until its handler has taken an event (which never
 * finishes), holds on to it for `holdMs`, then loses its connection — no ack, no lease released.
 */
async function dieWorking(options: NatsBusOptions, workerId: string, meanwhile?: (bus: NatsEventBus) => Promise<void>, holdMs = 0): Promise<void> {
  const connection = await connect({ servers: 'nats://127.0.0.1:4222' })
  const dying = new NatsEventBus({ ...options, workerId }, connection)
  let took = false
  dying.consume(() => {
    took = true
    return new Promise<void>(() => undefined)
  }, () => undefined)
  await dying.start()
  await meanwhile?.(dying)
  for (let i = 0; i < 100 && !took; i++) await new Promise((r) => setTimeout(r, 100))
  expect(took).toBe(true)
  await new Promise((r) => setTimeout(r, holdMs))
  await connection.close()
}

/** A worker that publishes events 1..`count` of `customer`, processes them all, and stops cleanly. */
async function processThenStop(options: NatsBusOptions, customer: string, count: number): Promise<void> {
  const bus = new NatsEventBus({ ...options, workerId: 'first' })
  bus.consume(() => undefined, () => undefined)
  await bus.start()
  for (let n = 1; n <= count; n++) await bus.publish(ev(customer, n))
  await bus.drain()
  await bus.stop()
}

/** The event numbers (`data.n`) a worker that takes over handles until the stream is drained. */
async function numbersSeenBy(options: NatsBusOptions, workerId: string): Promise<number[]> {
  const seen: number[] = []
  const bus = new NatsEventBus({ ...options, workerId })
  bus.consume((e) => void seen.push(e.data['n'] as number), () => undefined)
  await bus.start()
  await bus.drain()
  await bus.stop()
  return seen
}

if (test === (await import('vitest')).it) {
  describeEventBusContract('nats', async () => ({ bus: new NatsEventBus({ ...fast, hub: newHub(), maxAttempts: 3 }) }))
}

describe('NatsEventBus', () => {
  test('stores a re-published event once (Nats-Msg-Id = event id)', async () => {
    const bus = new NatsEventBus({ ...fast, hub: newHub() })
    const seen: string[] = []
    bus.consume((e) => void seen.push(e.id), () => undefined)
    await bus.start()
    const e = ev('a', 1)
    await bus.publish(e)
    await bus.publish(e)
    await bus.drain()
    expect(seen).toEqual([e.id])
    await bus.stop()
  })

  test('keeps each partition in a stream of its own; deleteHub removes the hub and only it', async () => {
    const hub = newHub()
    // A hub whose name starts like one of the first hub's streams: deleteHub must not touch it.
    const neighbour = `${hub}_p1`
    hubs.push(neighbour)
    const bus = new NatsEventBus({ ...fast, hub })
    const other = new NatsEventBus({ ...fast, hub: neighbour, partitions: 1 })
    const events = Array.from({ length: 40 }, (_, i) => ev(`s${i}`, i))
    await bus.publishAll(events)
    await other.publish(ev('n', 1))
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const jsm = await nc.jetstreamManager()
    let stored = 0
    // The subjects written out: they are what publishers outside this package send to.
    for (let p = 0; p < fast.partitions; p++) {
      const info = await jsm.streams.info(partitionStream(hub, p))
      expect(info.config.subjects).toEqual([`omo.${hub}.p.${p}`])
      stored += info.state.messages
    }
    // Each partition got its events as one message (published in one turn).
    expect(stored).toBe(new Set(events.map((e) => partitionOf(partitionKey(e), fast.partitions))).size)
    await bus.stop()
    await other.stop()

    const deleted = await deleteHub(jsm, hub)
    expect(deleted.sort()).toEqual([...Array.from({ length: fast.partitions }, (_, p) => partitionStream(hub, p)), ...Object.values(hubBuckets(hub)).map((b) => `KV_${b}`)].sort())
    await expect(jsm.streams.info(partitionStream(hub, 0))).rejects.toThrow()
    expect((await jsm.streams.info(partitionStream(neighbour, 0))).state.messages).toBe(1)
    await nc.close()
  })

  test('a hub still in the earlier layout (one stream for every partition) is refused with what to do', async () => {
    const hub = newHub()
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const jsm = await nc.jetstreamManager()
    await jsm.streams.add({ name: `OMO_${hub}`, subjects: [`omo.${hub}.p.*`] })
    const bus = new NatsEventBus({ ...fast, hub })
    await expect(bus.publish(ev('old', 1))).rejects.toThrow(`the stream OMO_${hub} holds its events in the earlier layout`)
    await jsm.streams.delete(`OMO_${hub}`)
    await nc.close()
  })

  test('packs the events published in one turn to a partition into one message, handled in order', async () => {
    const messagesFor = async (publishBatchMax: number) => {
      const hub = newHub()
      const bus = new NatsEventBus({ ...fast, hub, partitions: 1, publishBatchMax })
      const seen = new Map<string, number[]>()
      bus.consume((e) => void seen.set(e.identity.customerId!, [...(seen.get(e.identity.customerId!) ?? []), e.data['n'] as number]), () => undefined)
      await bus.start()
      const events = Array.from({ length: 60 }, (_, i) => ev(`c${i % 3}`, Math.floor(i / 3)))
      await bus.publishAll(events)
      const twice = ev('twice', 0)
      await Promise.all([bus.publish(twice), bus.publish(twice)])
      await bus.drain()
      for (const c of ['c0', 'c1', 'c2']) expect(seen.get(c)).toEqual(Array.from({ length: 20 }, (_, n) => n))
      expect(seen.get('twice')).toEqual([0])
      const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
      const info = await (await nc.jetstreamManager()).streams.info(partitionStream(hub, 0))
      await nc.close()
      await bus.stop()
      return info.state.messages
    }
    // 60 events in one message, and the event published twice in one turn in another.
    expect(await messagesFor(100)).toBe(2)
    // Up to 25 events per message: 25 + 25 + 10, then the event published twice.
    expect(await messagesFor(25)).toBe(4)
  })

  test('with compression: deflate, a message of several events is stored deflated, and a worker publishing plain JSON reads it', async () => {
    const hub = newHub()
    const publisher = new NatsEventBus({ ...fast, hub, partitions: 1, compression: 'deflate' })
    const worker = new NatsEventBus({ ...fast, hub, partitions: 1 }) // compression: 'none'
    const seen = new Map<string, number[]>()
    worker.consume((e) => void seen.set(e.identity.customerId!, [...(seen.get(e.identity.customerId!) ?? []), e.data['n'] as number]), () => undefined)
    await worker.start()
    const events = Array.from({ length: 60 }, (_, i) => ev(`c${i % 3}`, Math.floor(i / 3)))
    await publisher.publishAll(events)
    await publisher.publish(ev('alone', 0))
    await worker.publishAll(events.map((e) => ({ ...e, id: `${e.id}-plain` })))
    await worker.drain()
    for (const c of ['c0', 'c1', 'c2']) expect(seen.get(c)).toEqual([...Array.from({ length: 20 }, (_, n) => n), ...Array.from({ length: 20 }, (_, n) => n)])
    expect(seen.get('alone')).toEqual([0])

    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const jsm = await nc.jetstreamManager()
    const [batch, alone, plain] = await Promise.all([1, 2, 3].map((seq) => jsm.streams.getMessage(partitionStream(hub, 0), { seq })))
    await nc.close()
    const json = JSON.stringify(events)
    // The batch: deflated to a fraction of its JSON, and marked so.
    expect(batch!.header.get('Content-Encoding')).toBe('deflate')
    expect(batch!.data.length).toBeLessThan(json.length / 3)
    // A single event is under the threshold: plain. The plain publisher's batch: plain.
    expect(alone!.header.get('Content-Encoding')).toBe('')
    expect(JSON.parse(new TextDecoder().decode(alone!.data)).identity.customerId).toBe('alone')
    expect(plain!.header.get('Content-Encoding')).toBe('')
    expect(plain!.data.length).toBeGreaterThan(json.length)
    await Promise.all([publisher.stop(), worker.stop()])
  })

  test('hands a message it cannot read (not JSON, an unknown encoding, a corrupt deflate) to the dead letters with its bytes, and goes on', async () => {
    const hub = newHub()
    const bus = new NatsEventBus({ ...fast, hub, partitions: 1 })
    const seen: number[] = []
    const dead: Array<{ event: OmoEvent; error: string }> = []
    bus.consume((e) => void seen.push(e.data['n'] as number), (event, error) => void dead.push({ event, error: String(error) }))
    await bus.start()
    await bus.publish(ev('before', 1))
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const js = nc.jetstream()
    const marked = (encoding: string) => {
      const h = headers()
      h.set('Content-Encoding', encoding)
      return h
    }
    await js.publish(`omo.${hub}.p.0`, new TextEncoder().encode('not json'))
    await js.publish(`omo.${hub}.p.0`, new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]), { headers: marked('zstd') })
    await js.publish(`omo.${hub}.p.0`, new TextEncoder().encode('[{"id":"x"}]'), { headers: marked('deflate') })
    await nc.close()
    await bus.publish(ev('after', 2))
    await bus.drain()
    expect(seen).toEqual([1, 2])
    expect(dead.map((d) => d.event.type)).toEqual(['bus.undecodable', 'bus.undecodable', 'bus.undecodable'])
    expect(dead[0]!.event.data).toEqual({ subject: `omo.${hub}.p.0`, body: 'not json' })
    expect(dead[1]!.event.data).toEqual({ subject: `omo.${hub}.p.0`, encoding: 'zstd', base64: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]).toString('base64') })
    expect(dead[1]!.error).toMatch(/Content-Encoding is "zstd"/)
    expect(dead[2]!.event.data).toEqual({ subject: `omo.${hub}.p.0`, encoding: 'deflate', base64: Buffer.from('[{"id":"x"}]').toString('base64') })
    expect(dead[2]!.error).toMatch(/deflated body does not inflate/)
    await bus.stop()
  })

  test('publishers waiting for room go in the order they came: a smaller batch behind a larger one does not pass it', async () => {
    // One event per message and room for two, so that the stream's order is the order publishers
    // got their room in.
    const bus = new NatsEventBus({ ...fast, hub: newHub(), partitions: 1, publishBatchMax: 1, maxPendingPublishes: 2 })
    const seen: number[] = []
    bus.consume((e) => void seen.push(e.data['n'] as number), () => undefined)
    await bus.start()
    const e = Array.from({ length: 12 }, (_, n) => ev('one-customer', n))
    const published = [
      bus.publish(e[0]!),
      bus.publish(e[1]!),
      // Waits for the two above; when one of them is done there is room for one event, not three.
      bus.publishAll([e[2]!, e[3]!, e[4]!]),
      // Would fit in that room, but came after the batch of three: it must wait for it.
      bus.publish(e[5]!),
      bus.publishAll([e[6]!, e[7]!]),
      ...e.slice(8).map((event) => bus.publish(event)),
    ]
    await Promise.all(published)
    await bus.drain()
    expect(seen).toEqual(e.map((_, n) => n))
    await bus.stop()
  })

  test('splits partitions between two workers, and the survivor takes all when one stops', async () => {
    const hub = newHub()
    const a = new NatsEventBus({ ...fast, hub, workerId: 'worker-a' })
    const b = new NatsEventBus({ ...fast, hub, workerId: 'worker-b' })
    const byWorker = { a: 0, b: 0 }
    a.consume(() => void byWorker.a++, () => undefined)
    b.consume(() => void byWorker.b++, () => undefined)
    await a.start()
    expect(a.ownedPartitions).toEqual([0, 1, 2, 3])
    await b.start()
    // Within a few rebalance rounds, A hands over what rendezvous hashing gives B.
    for (let i = 0; i < 50 && a.ownedPartitions.length + b.ownedPartitions.length !== 4; i++) await new Promise((r) => setTimeout(r, 100))
    for (let i = 0; i < 50 && (a.ownedPartitions.length === 4 || b.ownedPartitions.length === 0); i++) await new Promise((r) => setTimeout(r, 100))
    expect(new Set([...a.ownedPartitions, ...b.ownedPartitions])).toEqual(new Set([0, 1, 2, 3]))
    expect(a.ownedPartitions.filter((p) => b.ownedPartitions.includes(p))).toEqual([])
    expect(b.ownedPartitions.length).toBeGreaterThan(0)
    const customers = Array.from({ length: 40 }, (_, i) => `c${i}`)
    for (const c of customers) await a.publish(ev(c, 1))
    await a.drain()
    expect(byWorker.a + byWorker.b).toBe(40)
    expect(byWorker.a).toBeGreaterThan(0)
    expect(byWorker.b).toBeGreaterThan(0)
    await a.stop()
    for (let i = 0; i < 60 && b.ownedPartitions.length !== 4; i++) await new Promise((r) => setTimeout(r, 100))
    expect(b.ownedPartitions).toEqual([0, 1, 2, 3])
    await b.stop()
  })

  test('redelivers, in order, what a crashed worker took but never acked, to the worker that takes over', async () => {
    const hub = newHub()
    const customer = 'crash-customer'
    const crashConnection = await connect({ servers: 'nats://127.0.0.1:4222' })
    const crashing = new NatsEventBus({ ...fast, hub, workerId: 'crashing' }, crashConnection)
    crashing.consume(() => new Promise<void>(() => undefined), () => undefined) // takes the event, never finishes
    await crashing.start()
    await crashing.publish(ev(customer, 1))
    await crashing.publish(ev(customer, 2))
    await new Promise((r) => setTimeout(r, 300))
    // The crash: the worker's connection vanishes; nothing is acked, no lease is released.
    await crashConnection.close()
    const seen: number[] = []
    const survivor = new NatsEventBus({ ...fast, hub, workerId: 'survivor' })
    survivor.consume((e) => void seen.push(e.data['n'] as number), () => undefined)
    await survivor.start()
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([1, 2])
    expect(survivor.ownedPartitions).toEqual([0, 1, 2, 3])
    await survivor.stop()
  })

  test('a worker taking over restarts the partition from its ack floor: unacked events come again at once, in order per customer', async () => {
    const hub = newHub()
    // A long ack wait: without the restart, nothing the dead worker took would come back for a minute.
    const slow = { ...fast, partitions: 1, ackWaitMs: 60_000, maxAckPending: 64 }
    const customers = Array.from({ length: 8 }, (_, i) => `k${i}`)
    const crashConnection = await connect({ servers: 'nats://127.0.0.1:4222' })
    const crashing = new NatsEventBus({ ...slow, hub, workerId: 'crashing' }, crashConnection)
    const doneBeforeCrash: string[] = []
    // Finishes events 1 and 2 of every customer, then hangs on 3: 3..6 are taken, never acked.
    crashing.consume((e) => {
      if ((e.data['n'] as number) >= 3) return new Promise<void>(() => undefined)
      doneBeforeCrash.push(`${e.identity.customerId}:${e.data['n']}`)
    }, () => undefined)
    await crashing.start()
    for (let n = 1; n <= 6; n++) for (const c of customers) await crashing.publish(ev(c, n))
    for (let i = 0; i < 50 && doneBeforeCrash.length < 16; i++) await new Promise((r) => setTimeout(r, 100))
    expect(doneBeforeCrash).toHaveLength(16)
    await crashConnection.close()

    const seen = new Map<string, number[]>()
    const survivor = new NatsEventBus({ ...slow, hub, workerId: 'survivor' })
    survivor.consume((e) => {
      const c = e.identity.customerId!
      seen.set(c, [...(seen.get(c) ?? []), e.data['n'] as number])
    }, () => undefined)
    const started = Date.now()
    await survivor.start()
    for (let i = 0; i < 100 && customers.some((c) => seen.get(c)?.at(-1) !== 6); i++) await new Promise((r) => setTimeout(r, 100))
    expect(Date.now() - started).toBeLessThan(15_000)
    for (const c of customers) {
      const got = seen.get(c) ?? []
      // Each customer's events in order, 3..6 all there; events already done may come once more, before them.
      expect(got.slice(-4)).toEqual([3, 4, 5, 6])
      expect([...got].sort((a, b) => a - b)).toEqual(got)
    }
    await survivor.stop()
  })

  test('a late ack from an owner whose lease lapsed does not stop the new owner\'s acks', async () => {
    const hub = newHub()
    const slow = { ...fast, partitions: 1, ackWaitMs: 60_000, maxAckPending: 64 }
    // Event n of customer kn: all run concurrently. The old owner finishes 1..10, holds 11..20
    // until its gate opens, and never finishes 21..30.
    const lapsedConnection = await connect({ servers: 'nats://127.0.0.1:4222' })
    const lapsed = new NatsEventBus({ ...slow, hub, workerId: 'lapsed' }, lapsedConnection)
    let openOld!: () => void
    const oldGate = new Promise<void>((resolve) => (openOld = resolve))
    let oldDone = 0
    lapsed.consume(async (e) => {
      const n = e.data['n'] as number
      if (n > 20) return new Promise<void>(() => undefined)
      if (n > 10) await oldGate
      oldDone++
    }, () => undefined)
    await lapsed.start()
    for (let n = 1; n <= 30; n++) await lapsed.publish(ev(`k${n}`, n))
    for (let i = 0; i < 50 && oldDone < 10; i++) await new Promise((r) => setTimeout(r, 100))
    expect(oldDone).toBe(10)

    // Its lease lapses unnoticed, and a worker that rendezvous hashing prefers takes the partition.
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    await (await nc.jetstream().views.kv(hubBuckets(hub).owners)).delete('0')
    const nextId = ['next-1', 'next-2', 'next-3', 'next-4'].find((id) => assignPartitions(1, ['lapsed', id])[0] === id)!
    const next = new NatsEventBus({ ...slow, hub, workerId: nextId })
    let openNew!: () => void
    const newGate = new Promise<void>((resolve) => (openNew = resolve))
    const seen = new Set<number>()
    const dead: string[] = []
    next.consume(async (e) => {
      await newGate
      seen.add(e.data['n'] as number)
    }, (e) => void dead.push(e.id))
    await next.start()
    expect(next.ownedPartitions).toEqual([0])

    // The old owner now finishes 11..20 and acks them: a cumulative ack sent after the new
    // owner restarted the partition.
    openOld()
    for (let i = 0; i < 50 && oldDone < 20; i++) await new Promise((r) => setTimeout(r, 100))
    expect(oldDone).toBe(20)
    await new Promise((r) => setTimeout(r, 200))
    openNew()
    // The new owner's acks count: everything is settled long before the 60 s ack wait.
    const drained = await Promise.race([next.drain().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8_000))])
    expect(drained).toBe(true)
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11))
    expect(dead).toEqual([])
    await lapsedConnection.close()
    await next.stop()
    await nc.close()
  })

  test('a partition restarted twice with nothing acked in between does not go back to the start of the stream', async () => {
    const hub = newHub()
    const options = { ...fast, hub, partitions: 1, ackWaitMs: 60_000 }
    await processThenStop(options, 'r', 10)
    // A worker takes event 11 and dies on it: its consumer started at 11 and acked nothing.
    await dieWorking(options, 'dying', (bus) => bus.publish(ev('r', 11)))
    // The next owner starts after event 10, not at event 1.
    expect(await numbersSeenBy(options, 'last')).toEqual([11])
  })

  test('a partition left with two consumers (a claimer died mid-claim) restarts after the higher floor, and keeps one', async () => {
    const hub = newHub()
    const options = { ...fast, hub, partitions: 1 }
    await processThenStop(options, 'z', 10)
    // The consumer a claimer made before it died: starts at event 4, nothing acked.
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const jsm = await nc.jetstreamManager()
    await jsm.consumers.add(partitionStream(hub, 0), { durable_name: 'p0-zombie', ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 4 })
    // And one an operator added to watch the stream: not the bus's, left alone.
    await jsm.consumers.add(partitionStream(hub, 0), { durable_name: 'audit', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All })
    await new NatsEventBus(options).publish(ev('z', 11))
    expect(await numbersSeenBy(options, 'next')).toEqual([11])
    const names: string[] = []
    for await (const info of jsm.consumers.list(partitionStream(hub, 0))) names.push(info.name)
    expect(names).toHaveLength(2)
    const ours = names.filter((name) => name !== 'audit')
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatch(/^p0-/)
    expect(ours[0]).not.toBe('p0-zombie')
    await nc.close()
  })

  test('a claim that JetStream refuses gives its lease back, and the worker takes the partition once it can', async () => {
    const hub = newHub()
    // A stream that allows one consumer, and a foreign consumer holding that slot: making the
    // partition's consumer fails.
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
    const jsm = await nc.jetstreamManager()
    await jsm.streams.add({ name: partitionStream(hub, 0), subjects: [partitionSubject(hub, 0)], max_consumers: 1 })
    await jsm.consumers.add(partitionStream(hub, 0), { durable_name: 'foreign', ack_policy: AckPolicy.Explicit })
    const seen: string[] = []
    const bus = new NatsEventBus({ ...fast, hub, partitions: 1, workerId: 'refused' })
    bus.consume((e) => void seen.push(e.id), () => undefined)
    await bus.start() // does not throw
    expect(bus.ownedPartitions).toEqual([])
    const owners = await nc.jetstream().views.kv(hubBuckets(hub).owners)
    expect(await owners.get('0').then((entry) => entry?.operation ?? 'none')).not.toBe('PUT')
    // Once the slot is free, a later round claims the partition.
    await jsm.consumers.delete(partitionStream(hub, 0), 'foreign')
    const e = ev('refused', 1)
    await bus.publish(e)
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([e.id])
    expect(bus.ownedPartitions).toEqual([0])
    await bus.stop()
    await nc.close()
  })

  test('hands the oldest unacked event to the dead letters when the workers taking it keep dying', async () => {
    const hub = newHub()
    const options = { ...fast, hub, partitions: 1, ackWaitMs: 60_000, maxDeliver: 2 }
    const poison = ev('poisoned', 1)
    const after = ev('poisoned', 2)
    // Each "worker" dies (its connection vanishes) while working on the poison event.
    for (let life = 0; life <= options.maxDeliver; life++) {
      await dieWorking(options, `dying-${life}`, async (bus) => {
        if (life > 0) return
        await bus.publish(poison)
        await bus.publish(after)
      })
    }
    const dead: string[] = []
    const seen: string[] = []
    const survivor = new NatsEventBus({ ...options, workerId: 'survivor' })
    survivor.consume((e) => void seen.push(e.id), (e) => void dead.push(e.id))
    await survivor.start()
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(dead).toEqual([poison.id])
    expect(seen).toEqual([after.id])
    await survivor.stop()
  })

  test('workers that die after holding the partition for a lease are no crash loop: the event is not dead-lettered', async () => {
    const hub = newHub()
    const options = { ...fast, hub, partitions: 1, ackWaitMs: 60_000, maxDeliver: 2 }
    const slow = ev('slow', 1)
    // As many deaths as make a crash loop, but each worker lives with the event for a whole lease
    // (plus two rounds to notice) before it dies: the event did not kill them.
    for (let life = 0; life <= options.maxDeliver; life++) {
      await dieWorking(
        options,
        `killed-${life}`,
        async (bus) => {
          if (life === 0) await bus.publish(slow)
        },
        options.leaseMs + 3 * options.rebalanceMs,
      )
    }
    const dead: string[] = []
    const seen: string[] = []
    const survivor = new NatsEventBus({ ...options, workerId: 'survivor' })
    survivor.consume((e) => void seen.push(e.id), (e) => void dead.push(e.id))
    await survivor.start()
    for (let i = 0; i < 100 && seen.length + dead.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(dead).toEqual([])
    expect(seen).toEqual([slow.id])
    await survivor.stop()
  })

  test('workers started together with joinDelayMs split the partitions from the start', async () => {
    const hub = newHub()
    const options = { ...fast, hub, partitions: 8, joinDelayMs: 400 }
    const a = new NatsEventBus({ ...options, workerId: 'together-a' })
    const b = new NatsEventBus({ ...options, workerId: 'together-b' })
    a.consume(() => undefined, () => undefined)
    b.consume(() => undefined, () => undefined)
    await Promise.all([a.start(), b.start()])
    // No hand-over needed: each claimed only its own share on its first round.
    expect(a.ownedPartitions.length).toBeGreaterThan(0)
    expect(b.ownedPartitions.length).toBeGreaterThan(0)
    expect([...a.ownedPartitions, ...b.ownedPartitions].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    await Promise.all([a.stop(), b.stop()])
  })

  test('hands an event that keeps failing to the dead letters and terminates it', async () => {
    const bus = new NatsEventBus({ ...fast, hub: newHub(), maxAttempts: 2 })
    const dead: Array<{ id: string; attempts: number }> = []
    let calls = 0
    bus.consume(
      () => {
        calls++
        throw new Error('poison')
      },
      (e, _error, attempts) => void dead.push({ id: e.id, attempts }),
    )
    await bus.start()
    const e = ev('p', 1)
    await bus.publish(e)
    await bus.drain()
    expect(dead).toEqual([{ id: e.id, attempts: 2 }])
    expect(calls).toBe(2)
    await bus.stop()
  })

  test('events finished behind a slow one are not redelivered while the cumulative ack waits for it', async () => {
    // One partition, a 1 s ack wait, and an event that takes 3 s: the events of other customers
    // finish long before it, but the cumulative ack cannot cover them until it is done.
    const bus = new NatsEventBus({ ...fast, hub: newHub(), partitions: 1, ackWaitMs: 1_000, maxDeliver: 2 })
    const calls = new Map<string, number>()
    const dead: string[] = []
    bus.consume(
      async (e) => {
        calls.set(e.id, (calls.get(e.id) ?? 0) + 1)
        if (e.identity.customerId === 'slow') await new Promise((r) => setTimeout(r, 3_000))
      },
      (e) => void dead.push(e.id),
    )
    await bus.start()
    await bus.publish(ev('slow', 1))
    for (let i = 0; i < 20; i++) await bus.publish(ev(`quick-${i}`, 1))
    await bus.drain()
    expect(dead).toEqual([])
    expect(calls.size).toBe(21)
    expect([...calls.values()].every((n) => n === 1)).toBe(true)
    await bus.stop()
  })

  test('keeps an event unacked until the dead letters can take it (never acked, never lost)', async () => {
    const bus = new NatsEventBus({ ...fast, hub: newHub(), maxAttempts: 1 })
    const kept: string[] = []
    let refusals = 0
    bus.consume(
      () => {
        throw new Error('poison')
      },
      (e) => {
        if (refusals++ < 2) throw new Error('dead-letter store is down')
        kept.push(e.id)
      },
    )
    await bus.start()
    const e = ev('dl', 1)
    await bus.publish(e)
    await bus.drain()
    expect(refusals).toBe(3)
    expect(kept).toEqual([e.id])
    await bus.stop()
  })

  test('refuses bad options naming the field', () => {
    expect(() => new NatsEventBus({ partitions: 0 })).toThrow(/partitions/)
    expect(() => new NatsEventBus({ hub: 'has spaces' })).toThrow(/hub/)
  })
})
