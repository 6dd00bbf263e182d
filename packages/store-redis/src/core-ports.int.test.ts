import { createHub, VirtualClock, type ScheduledTimer } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { RedisConnection } from './connection.js'
import { RedisDeadLetterStore } from './redis-dead-letter-store.js'
import { RedisDecisionLog } from './redis-decision-log.js'
import { RedisIdempotencyLedger } from './redis-idempotency-ledger.js'
import { RedisInboxStore } from './redis-inbox-store.js'
import { RedisScheduler } from './redis-scheduler.js'
import { redisStore } from './redis-store.js'
import { deleteByPrefix, TEST_REDIS_URL, testRedis, type TestRedis } from './testing/index.js'

const test = await serviceTest('redis')

describe('Redis core ports', () => {
  let t: TestRedis
  let r: RedisConnection
  beforeAll(() => {
    t = testRedis('core')
    r = new RedisConnection({ client: t.client, prefix: t.prefix })
  })
  afterAll(async () => void (await t?.drop().catch(() => {})))

  test('scheduler: fires at the virtual time, retries a failed firing, lists, cancels, erases', async () => {
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const scheduler = new RedisScheduler(r, clock, { pollIntervalMs: 1_000, retryMs: 5_000 })
    const t0 = clock.now()
    const event = (n: number) => ({ type: 'timer.fired', source: 'system', identity: { customerId: 'c1' }, data: { n, nested: { list: [] } } })
    await scheduler.schedule({ id: 's1', at: t0 + 10_000, customerId: 'c1', key: 'k', event: event(1) })
    await scheduler.schedule({ id: 's2', at: new Date(t0 + 20_000), customerId: 'c1', key: 'k', event: event(2) })
    await scheduler.schedule({ id: 's3', at: t0 + 5_000, customerId: 'c2', event: event(3) })
    await scheduler.schedule({ id: 's4', at: t0 + 500_000, event: event(4) })
    expect((await scheduler.list('c1')).map((x) => [x.id, x.at])).toEqual([
      ['s1', '2026-03-01T00:00:10.000Z'],
      ['s2', '2026-03-01T00:00:20.000Z'],
    ])
    const fired: ScheduledTimer[] = []
    let failOnce = true
    await scheduler.start(async (timer) => {
      if (timer.id === 's1' && failOnce) {
        failOnce = false
        throw new Error('hub busy')
      }
      fired.push(timer)
    })
    await clock.advanceTo(t0 + 12_000)
    await scheduler.pollNow()
    expect(fired).toEqual([{ id: 's3', at: '2026-03-01T00:00:05.000Z', customerId: 'c2', event: event(3) }])
    expect((await scheduler.list('c1')).map((x) => x.id)).toEqual(['s1', 's2'])
    await clock.advanceTo(t0 + 18_000)
    await scheduler.pollNow()
    expect(fired.map((x) => x.id)).toEqual(['s3', 's1'])
    expect(await scheduler.cancelByKey('c1', 'k')).toBe(1)
    expect(await scheduler.cancel('s2')).toBe(false)
    // Moving a timer to another customer takes it off the first customer's list.
    await scheduler.schedule({ id: 's5', at: t0 + 100_000, customerId: 'c3', event: event(5) })
    await scheduler.schedule({ id: 's5', at: t0 + 100_000, customerId: 'c4', event: event(5) })
    expect(await scheduler.list('c3')).toEqual([])
    expect(await scheduler.eraseCustomer('c4')).toBe(1)
    await clock.advanceTo(t0 + 600_000)
    await scheduler.pollNow()
    expect(fired.map((x) => x.id)).toEqual(['s3', 's1', 's4'])
    await scheduler.stop()
  })

  test('ledger: one of many concurrent claims wins; done is remembered; stale pending is taken over', async () => {
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const ledger = new RedisIdempotencyLedger(r, clock)
    const wins = await Promise.all(Array.from({ length: 30 }, () => ledger.claim('send:1')))
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await ledger.get('send:1')).toEqual({ state: 'pending', since: clock.now() })
    await clock.advance(59_000)
    expect(await ledger.claim('send:1', 60_000)).toBe(false)
    await clock.advance(1_000)
    expect(await ledger.claim('send:1', 60_000)).toBe(true)
    await ledger.complete('send:1', { status: 'sent', providerMessageId: 'p:1' })
    expect(await ledger.claim('send:1', 0)).toBe(false)
    await ledger.release('send:1')
    expect(await ledger.get('send:1')).toEqual({ state: 'done', at: clock.now(), result: { status: 'sent', providerMessageId: 'p:1' } })
    expect(await ledger.claim('send:2')).toBe(true)
    await ledger.release('send:2')
    expect(await ledger.get('send:2')).toBeUndefined()
    const ttl = await t.client.pttl(`${t.prefix}idem:send:1`)
    expect(ttl).toBeGreaterThan(29 * 86_400_000)
  })

  test('decision log: newest first per customer, since/limit, recent, erase, caps', async () => {
    const log = new RedisDecisionLog(r, { perCustomer: 3 })
    const d = (id: string, customerId: string, at: string) => ({
      id, at, customerId, trigger: 'store.checked_in',
      candidates: [{ actionId: 'a', status: 'won' as const, score: 0.5, reasons: ['r'] }], actions: [],
    })
    await log.record(d('d1', 'c1', '2026-01-01T10:00:00.000Z'))
    await log.record(d('d2', 'c1', '2026-01-01T12:00:00.000Z'))
    await log.record(d('d3', 'c2', '2026-01-01T11:00:00.000Z'))
    expect(await log.list('c1')).toEqual([d('d2', 'c1', '2026-01-01T12:00:00.000Z'), d('d1', 'c1', '2026-01-01T10:00:00.000Z')])
    expect((await log.list('c1', { since: '2026-01-01T11:00:00.000Z' })).map((x) => x.id)).toEqual(['d2'])
    expect((await log.list('c1', { limit: 1 })).map((x) => x.id)).toEqual(['d2'])
    expect((await log.recent(2)).map((x) => x.id)).toEqual(['d3', 'd2'])
    expect(await log.eraseCustomer('c1')).toBe(2)
    expect((await log.recent(10)).map((x) => x.id)).toEqual(['d3'])
    for (let i = 0; i < 5; i++) await log.record(d(`x${i}`, 'c5', `2026-01-02T0${i}:00:00.000Z`))
    expect((await log.list('c5')).map((x) => x.id)).toEqual(['x4', 'x3', 'x2'])
  })

  test('inbox: stores once, lists live messages newest first, marks read once, erases', async () => {
    const inbox = new RedisInboxStore(r)
    const m = (id: string, createdAt: string, extra: object = {}) => ({ id, customerId: 'c1', title: `t-${id}`, data: { list: [] }, createdAt, ...extra })
    expect(await inbox.put(m('m1', '2026-01-01T10:00:00.000Z'))).toBe(true)
    expect(await inbox.put(m('m1', '2026-01-01T10:00:00.000Z', { title: 'changed' }))).toBe(false)
    await inbox.put(m('m2', '2026-01-01T11:00:00.000Z', { expiresAt: '2026-01-02T00:00:00.000Z' }))
    await inbox.put({ ...m('m3', '2026-01-01T12:00:00.000Z'), customerId: 'c2' })
    const now = '2026-01-01T13:00:00.000Z'
    expect(await inbox.list('c1', { now })).toEqual([m('m2', '2026-01-01T11:00:00.000Z', { expiresAt: '2026-01-02T00:00:00.000Z' }), m('m1', '2026-01-01T10:00:00.000Z')])
    expect((await inbox.list('c1', { now: '2026-01-03T00:00:00.000Z' })).map((x) => x.id)).toEqual(['m1'])
    expect(await inbox.markRead('c1', 'm1', '2026-01-01T14:00:00.000Z')).toBe(true)
    expect(await inbox.markRead('c1', 'm1', '2026-01-01T15:00:00.000Z')).toBe(true)
    expect(await inbox.markRead('c1', 'nope', '2026-01-01T15:00:00.000Z')).toBe(false)
    expect((await inbox.list('c1', { now })).find((x) => x.id === 'm1')?.readAt).toBe('2026-01-01T14:00:00.000Z')
    expect((await inbox.list('c1', { now, unreadOnly: true })).map((x) => x.id)).toEqual(['m2'])
    expect(await inbox.delete('c1', 'm2')).toBe(true)
    expect(await inbox.delete('c1', 'm2')).toBe(false)
    expect(await inbox.eraseCustomer('c1')).toBe(1)
    expect(await inbox.list('c2', { now })).toHaveLength(1)
  })

  test('dead letters: kept oldest first, the same event and stage counted as a re-drive', async () => {
    const store = new RedisDeadLetterStore(r)
    const ev = (id: string) => ({ id, type: 'store.checked_in', source: 'app', time: '2026-01-01T00:00:00.000Z', identity: { loyaltyId: 'L1' }, data: {} })
    const a = await store.add({ event: ev('e1'), stage: 'profile', at: '2026-01-01T00:00:01.000Z', error: { name: 'Error', message: 'boom' } })
    const b = await store.add({ event: ev('e2'), stage: 'decide', at: '2026-01-01T00:00:02.000Z', error: { name: 'Error', message: 'x', code: 'E_STAGE' } })
    const again = await store.add({ event: ev('e1'), stage: 'profile', at: '2026-01-01T00:00:03.000Z', error: { name: 'Error', message: 'boom again' } })
    expect(again).toMatchObject({ id: a.id, redriven: 1, error: { message: 'boom again' } })
    expect(await store.count()).toBe(2)
    expect((await store.list()).map((x) => x.id)).toEqual([a.id, b.id])
    expect((await store.list({ stage: 'decide' })).map((x) => x.event.id)).toEqual(['e2'])
    expect(await store.get(b.id)).toEqual(b)
    expect(await store.remove(a.id)).toBe(true)
    expect(await store.remove(a.id)).toBe(false)
    expect(await store.get(a.id)).toBeUndefined()
    expect(await store.count()).toBe(1)
    const fresh = await store.add({ event: ev('e1'), stage: 'profile', at: '2026-01-01T00:00:04.000Z', error: { name: 'Error', message: 'after redrive' } })
    expect(fresh.redriven).toBe(0)
    expect(fresh.id).not.toBe(a.id)
  })
})

describe('redisStore() module', () => {
  test('binds the ports into a hub; a given client stays open after stop', async () => {
    const t = testRedis('module')
    try {
      const hub = await createHub({ modules: [redisStore({ client: t.client, prefix: t.prefix })] })
      expect(hub.get(Symbol.for('@omotenashi/core:Scheduler'))).toBeInstanceOf(RedisScheduler)
      expect(hub.get(Symbol.for('@omotenashi/core:DeadLetterStore'))).toBeInstanceOf(RedisDeadLetterStore)
      await hub.start()
      const ledger = hub.get(Symbol.for('@omotenashi/core:IdempotencyLedger')) as RedisIdempotencyLedger
      expect(await ledger.claim('k')).toBe(true)
      expect(await t.client.exists(`${t.prefix}idem:k`)).toBe(1)
      await hub.stop()
      expect(await t.client.ping()).toBe('PONG')
    } finally {
      await t.drop()
    }
  })

  test('a client opened from a url is closed on stop; ports can be left out', async () => {
    const prefix = `omo-test:module-url:${Date.now()}:`
    const hub = await createHub({ modules: [redisStore({ url: TEST_REDIS_URL, prefix, ports: { scheduler: false } })] })
    expect(hub.get(Symbol.for('@omotenashi/core:Scheduler'))).not.toBeInstanceOf(RedisScheduler)
    await hub.start()
    const inbox = hub.get(Symbol.for('@omotenashi/core:InboxStore')) as RedisInboxStore
    expect(await inbox.put({ id: 'm', customerId: 'c', createdAt: '2026-01-01T00:00:00.000Z' })).toBe(true)
    await hub.stop()
    await expect(inbox.list('c')).rejects.toThrow()
    const t = testRedis('cleanup')
    await deleteByPrefix(t.client, prefix)
    await t.drop()
  })
})
