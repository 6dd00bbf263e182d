import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect } from 'vitest'
import { connect } from 'nats'
import type { OmoEvent } from '@omotenashi/core'
import { describeEventBusContract, serviceTest } from '@omotenashi/core/testing'
import { NatsEventBus } from './nats-event-bus.js'

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
  for (const hub of hubs) {
    for (const name of [`OMO_${hub}`, `KV_OMO_${hub}_owners`, `KV_OMO_${hub}_members`]) await jsm.streams.delete(name).catch(() => undefined)
  }
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

  test('refuses bad options naming the field', () => {
    expect(() => new NatsEventBus({ partitions: 0 })).toThrow(/partitions/)
    expect(() => new NatsEventBus({ hub: 'has spaces' })).toThrow(/hub/)
  })
})
