import { OmotenashiError, type OmoEvent } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { ProfileRules } from '@omotenashi/profile'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { RedisConnection } from './connection.js'
import { RedisProfileStore } from './redis-profile-store.js'
import { testRedis, type TestRedis } from './testing/index.js'

const test = await serviceTest('redis')

const ev = (id: string, sku: string, minute: number): OmoEvent => ({
  id, type: 'product.viewed', source: 'web', time: new Date(Date.UTC(2026, 2, 1, 0, minute)).toISOString(), identity: {}, data: { sku, price: 100 },
})

describe('RedisProfileStore batches', () => {
  let t: TestRedis
  let store: RedisProfileStore
  beforeAll(async () => {
    t = testRedis('profile-batch')
    store = new RedisProfileStore(new RedisConnection({ client: t.client, prefix: t.prefix }), { rules: new ProfileRules(), batchSize: 7 })
    await store.init()
  })
  afterAll(async () => void (await t?.drop().catch(() => {})))

  test('applyBatch applies the good items in order, reports the unknown customer, and is idempotent', async () => {
    const a = (await store.resolve({ email: 'batch-a@example.jp' }, { at: '2026-03-01T00:00:00.000Z' })).profileId!
    const b = (await store.resolve({ email: 'batch-b@example.jp' }, { at: '2026-03-01T00:00:00.000Z' })).profileId!
    const items = [
      ...Array.from({ length: 10 }, (_, i) => ({ customerId: a, event: ev(`a${i}`, `SKU-${i}`, i + 1) })),
      { customerId: 'nobody', event: ev('n1', 'SKU-X', 1) },
      ...Array.from({ length: 10 }, (_, i) => ({ customerId: b, event: ev(`b${i}`, `SKU-${i % 3}`, i + 1) })),
    ]
    const outcomes = await store.applyBatch(items)
    expect(outcomes.map((o) => o.ok)).toEqual([...Array(10).fill(true), false, ...Array(10).fill(true)])
    const bad = outcomes[10]!
    expect(!bad.ok && bad.error).toBeInstanceOf(OmotenashiError)
    const pa = (await store.get(a))!
    expect(pa.activity.map((x) => x.sku)).toEqual(Array.from({ length: 10 }, (_, i) => `SKU-${i}`))
    expect(Object.keys((await store.get(b))!.interests).sort()).toEqual(['SKU-0', 'SKU-1', 'SKU-2'])
    const again = await store.applyBatch(items)
    expect(again.filter((o) => o.ok && o.applied)).toHaveLength(0)
    expect((await store.get(a))!.version).toBe(pa.version)
  })

  test('concurrent apply() calls over many profiles lose nothing', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => store.resolve({ anonymousId: `many-${i}` }, { at: '2026-03-01T00:00:00.000Z' })))
    const results = await Promise.all(
      ids.flatMap(({ profileId }, i) => Array.from({ length: 5 }, (_, j) => store.apply(profileId!, ev(`m${i}-${j}`, `S${j}`, j + 1)))),
    )
    expect(results.every((r) => r.applied)).toBe(true)
    for (const { profileId } of ids) expect((await store.get(profileId!))!.activity).toHaveLength(5)
    const found: string[] = []
    for await (const id of store.findByInterest({ kind: 'viewed', sku: 'S4' })) found.push(id)
    expect(found.sort()).toEqual(ids.map((r) => r.profileId!).sort())
  })

  test('a cached profile is never served stale, even after erasure and re-creation under the same id by another worker', async () => {
    const other = new RedisProfileStore(new RedisConnection({ client: t.client, prefix: t.prefix }), { rules: new ProfileRules() })
    await store.resolve({ customerId: 'recycled' }, { at: '2026-03-01T00:00:00.000Z' })
    await store.apply('recycled', ev('r1', 'OLD-SKU', 1))
    await store.apply('recycled', ev('r2', 'OLD-SKU', 2))
    // Another worker erases the person and a new one arrives under the same id, at the same version.
    expect(await other.eraseCustomer('recycled')).toBeGreaterThan(0)
    await other.resolve({ customerId: 'recycled' }, { at: '2026-03-02T00:00:00.000Z' })
    await other.apply('recycled', ev('n1', 'NEW-SKU', 1))
    await other.apply('recycled', ev('n2', 'NEW-SKU', 2))
    const result = await store.apply('recycled', ev('n3', 'NEW-SKU', 3))
    expect(Object.keys(result.profile.interests)).toEqual(['NEW-SKU'])
    expect(result.profile.activity.map((a) => a.sku)).toEqual(['NEW-SKU', 'NEW-SKU', 'NEW-SKU'])
    // And a change by the other worker is seen by this one's next apply.
    await other.apply('recycled', ev('n4', 'OTHER-SKU', 4))
    expect(Object.keys((await store.apply('recycled', ev('n5', 'NEW-SKU', 5))).profile.interests).sort()).toEqual(['NEW-SKU', 'OTHER-SKU'])
  })
})
