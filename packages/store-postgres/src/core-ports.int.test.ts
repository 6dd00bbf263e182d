import { createHub, VirtualClock, type DeadLetter, type ScheduledTimer } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { PgDatabase, migrate } from './database.js'
import { MIGRATIONS } from './migrations.js'
import { PgDeadLetterStore } from './pg-dead-letter-store.js'
import { PgDecisionLog } from './pg-decision-log.js'
import { PgIdempotencyLedger } from './pg-idempotency-ledger.js'
import { PgInboxStore } from './pg-inbox-store.js'
import { PgScheduler } from './pg-scheduler.js'
import { postgresStore } from './postgres-store.js'
import { TEST_DATABASE_URL, testDatabase, type TestDatabase } from './testing/index.js'

const test = await serviceTest('postgres')

describe('PostgreSQL core ports', () => {
  let t: TestDatabase
  let db: PgDatabase
  beforeAll(() => {
    t = testDatabase('pg_core')
    db = new PgDatabase({ pool: t.pool, schema: t.schema })
  })
  afterAll(async () => {
    await t?.drop().catch(() => {})
  })

  test('migrates once, even when several workers start together', async () => {
    const results = await Promise.all([1, 2, 3].map(() => migrate(t.pool, t.schema, MIGRATIONS)))
    expect(results.flat()).toEqual(['0001_core_ports', '0002_profiles', '0003_contacts'])
    expect(await migrate(t.pool, t.schema, MIGRATIONS)).toEqual([])
    const { rows } = await t.pool.query(`SELECT id FROM "${t.schema}".migrations`)
    expect(rows.map((r) => r.id).sort()).toEqual(MIGRATIONS.map((m) => m.id))
  })

  test('scheduler: fires at the virtual time, retries a failed firing, lists, cancels', async () => {
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const scheduler = new PgScheduler(db, clock, { pollIntervalMs: 1_000, retryMs: 5_000 })
    const t0 = clock.now()
    const event = (n: number) => ({ type: 'timer.fired', source: 'system', identity: { customerId: 'c1' }, data: { n } })
    await scheduler.schedule({ id: 's1', at: t0 + 10_000, customerId: 'c1', key: 'k', event: event(1) })
    await scheduler.schedule({ id: 's2', at: new Date(t0 + 20_000), customerId: 'c1', key: 'k', event: event(2) })
    await scheduler.schedule({ id: 's3', at: t0 + 5_000, customerId: 'c2', event: event(3) })
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
    expect(fired.map((x) => x.id)).toEqual(['s3'])
    expect(fired[0]).toEqual({ id: 's3', at: '2026-03-01T00:00:05.000Z', customerId: 'c2', event: event(3) })
    // s1 failed at 12 s: it stays, due again 5 s later.
    expect((await scheduler.list('c1')).map((x) => x.id)).toEqual(['s1', 's2'])
    await clock.advanceTo(t0 + 18_000)
    await scheduler.pollNow()
    expect(fired.map((x) => x.id)).toEqual(['s3', 's1'])
    expect(await scheduler.cancelByKey('c1', 'k')).toBe(1)
    expect(await scheduler.cancel('s2')).toBe(false)
    await clock.advanceTo(t0 + 60_000)
    await scheduler.pollNow()
    expect(fired.map((x) => x.id)).toEqual(['s3', 's1'])
    await scheduler.stop()
  })

  test('ledger: one of many concurrent claims wins; done is remembered; stale pending is taken over', async () => {
    const clock = new VirtualClock('2026-03-01T00:00:00Z')
    const ledger = new PgIdempotencyLedger(db, clock)
    const wins = await Promise.all(Array.from({ length: 30 }, () => ledger.claim('send:1')))
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await ledger.get('send:1')).toEqual({ state: 'pending', since: clock.now() })
    await clock.advance(59_000)
    expect(await ledger.claim('send:1', 60_000)).toBe(false)
    await clock.advance(1_000)
    expect(await ledger.claim('send:1', 60_000)).toBe(true)
    await ledger.complete('send:1', { status: 'sent', providerMessageId: 'p-1' })
    await clock.advance(3_600_000)
    expect(await ledger.claim('send:1', 0)).toBe(false)
    await ledger.release('send:1')
    expect(await ledger.get('send:1')).toMatchObject({ state: 'done', result: { status: 'sent', providerMessageId: 'p-1' } })
    expect(await ledger.claim('send:2')).toBe(true)
    await ledger.release('send:2')
    expect(await ledger.get('send:2')).toBeUndefined()
    // Retention: only completed entries older than the cut are purged.
    expect(await ledger.claim('send:3')).toBe(true)
    const done = await ledger.get('send:1')
    const doneAt = done?.state === 'done' ? done.at : NaN
    expect(await ledger.purgeDone(doneAt)).toBe(0)
    expect(await ledger.purgeDone(doneAt + 1)).toBe(1)
    expect(await ledger.get('send:1')).toBeUndefined()
    expect(await ledger.get('send:3')).toMatchObject({ state: 'pending' })
  })

  test('decision log: newest first per customer, since/limit, recent, erase', async () => {
    const log = new PgDecisionLog(db)
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
    await log.record(d('d4', 'c2', '2026-01-02T09:00:00.000Z'))
    expect(await log.purgeBefore('2026-01-02T00:00:00.000Z')).toBe(1)
    expect((await log.list('c2')).map((x) => x.id)).toEqual(['d4'])
  })

  test('inbox: stores once, lists live messages newest first, marks read once, erases', async () => {
    const inbox = new PgInboxStore(db)
    const m = (id: string, createdAt: string, extra: object = {}) => ({ id, customerId: 'c1', title: `t-${id}`, data: { list: [1, 2] }, createdAt, ...extra })
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
    const store = new PgDeadLetterStore(db)
    const ev = (id: string) => ({ id, type: 'store.checked_in', source: 'app', time: '2026-01-01T00:00:00.000Z', identity: { loyaltyId: 'L1' }, data: {} })
    const a = await store.add({ event: ev('e1'), stage: 'profile', at: '2026-01-01T00:00:01.000Z', error: { name: 'Error', message: 'boom' } })
    const b = await store.add({ event: ev('e2'), stage: 'decide', at: '2026-01-01T00:00:02.000Z', error: { name: 'Error', message: 'x', code: 'E_STAGE' } })
    const again = await store.add({ event: ev('e1'), stage: 'profile', at: '2026-01-01T00:00:03.000Z', error: { name: 'Error', message: 'boom again' } })
    expect(again.id).toBe(a.id)
    expect(again.redriven).toBe(1)
    expect(await store.count()).toBe(2)
    expect((await store.list()).map((x: DeadLetter) => x.id)).toEqual([a.id, b.id])
    expect((await store.list({ stage: 'decide' })).map((x) => x.event.id)).toEqual(['e2'])
    expect(await store.get(b.id)).toEqual(b)
    expect(await store.remove(a.id)).toBe(true)
    expect(await store.get(a.id)).toBeUndefined()
    expect(await store.count()).toBe(1)
  })
})

describe('postgresStore() module', () => {
  test('binds the ports into a hub; a given pool stays open after stop', async () => {
    const t = testDatabase('pg_module')
    try {
      const clock = new VirtualClock('2026-03-01T09:00:00Z')
      const hub = await createHub({ clock, modules: [postgresStore({ pool: t.pool, schema: t.schema, scheduler: { pollIntervalMs: 50 } })] })
      expect(hub.get(Symbol.for('@omotenashi/core:Scheduler'))).toBeInstanceOf(PgScheduler)
      await hub.start()
      const tables = await t.pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [t.schema])
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['timers', 'idempotency', 'decisions', 'inbox', 'dead_letters', 'migrations']))
      await hub.stop()
      expect((await t.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    } finally {
      await t.drop()
    }
  })

  test('a pool opened from a connectionString is closed on stop; ports can be left out', async () => {
    const t = testDatabase('pg_module_url')
    try {
      const hub = await createHub({
        modules: [postgresStore({ connectionString: TEST_DATABASE_URL, schema: t.schema, ports: { scheduler: false, inbox: false } })],
      })
      expect(hub.get(Symbol.for('@omotenashi/core:Scheduler'))).not.toBeInstanceOf(PgScheduler)
      expect(hub.get(Symbol.for('@omotenashi/core:InboxStore'))).not.toBeInstanceOf(PgInboxStore)
      const ledger = hub.get(Symbol.for('@omotenashi/core:IdempotencyLedger')) as PgIdempotencyLedger
      expect(ledger).toBeInstanceOf(PgIdempotencyLedger)
      await hub.start()
      expect(await ledger.claim('k')).toBe(true)
      await hub.stop()
      await expect(ledger.claim('k2')).rejects.toThrow()
    } finally {
      await t.drop()
    }
  })
})
