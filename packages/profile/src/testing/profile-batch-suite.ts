import { OmotenashiError, type OmoEvent } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProfileRules } from '../profile-rules.js'
import type { ApplyResult, ProfileStore } from '../profile-store.js'

/** A store that applies many events in one call, each item reported on its own (the PostgreSQL and Redis stores). */
export interface BatchingProfileStore extends ProfileStore {
  applyBatch(
    items: ReadonlyArray<{ readonly customerId: string; readonly event: OmoEvent }>,
  ): Promise<ReadonlyArray<({ readonly ok: true } & ApplyResult) | { readonly ok: false; readonly error: Error }>>
}

/** What {@link describeProfileBatchSuite} needs: stores on one fresh storage. */
export interface ProfileBatchSuiteSetup {
  /** Makes a store on the suite's storage with these rules and batch size (the suite calls `init` if present). */
  readonly store: (options: { readonly rules: ProfileRules; readonly batchSize?: number }) => BatchingProfileStore
  /** Drops the storage. */
  readonly cleanup?: () => Promise<void>
}

const ev = (id: string, sku: string, minute: number): OmoEvent => ({
  id,
  type: 'product.viewed',
  source: 'web',
  time: new Date(Date.UTC(2026, 2, 1, 0, minute)).toISOString(),
  identity: {},
  data: { sku, price: 100 },
})

async function ready<T extends object>(store: T): Promise<T> {
  await (store as { init?: () => Promise<void> }).init?.()
  return store
}

/**
 * Batching ProfileStores (one shared storage, many workers): `applyBatch` reports each item,
 * concurrent `apply` calls lose nothing, and a store's cache never serves a profile another
 * worker changed, erased or re-created. `setup` is called once for the suite.
 */
export function describeProfileBatchSuite(name: string, setup: () => Promise<ProfileBatchSuiteSetup> | ProfileBatchSuiteSetup): void {
  describe(`ProfileStore batches: ${name}`, () => {
    let s: ProfileBatchSuiteSetup
    let store: BatchingProfileStore
    beforeAll(async () => {
      s = await setup()
      store = await ready(s.store({ rules: new ProfileRules(), batchSize: 7 }))
    })
    afterAll(async () => void (await s?.cleanup?.().catch(() => {})))

    it('applyBatch applies the good items in order, reports the unknown customer, and is idempotent', async () => {
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

    it('a push token two people register in one batch goes to one of them only', async () => {
      const a = (await store.resolve({ email: 'token-a@example.jp' }, { at: '2026-03-01T00:00:00.000Z' })).profileId!
      const b = (await store.resolve({ email: 'token-b@example.jp' }, { at: '2026-03-01T00:00:00.000Z' })).profileId!
      const token = (id: string, customerId: string) => ({
        customerId,
        event: { id, type: 'push.token_registered', source: 'app', time: '2026-03-01T00:05:00.000Z', identity: {}, data: { token: 'shared-token', platform: 'ios' } },
      })
      const outcomes = await store.applyBatch([token('ta', a), token('tb', b)])
      expect(outcomes.every((o) => o.ok && o.applied)).toBe(true)
      const holders = []
      for (const id of [a, b]) if ((await store.get(id))!.identifiers['deviceToken']?.some((r) => r.value === 'shared-token')) holders.push(id)
      const owner = (await store.resolve({ deviceToken: 'shared-token' }, { create: false })).profileId
      expect(holders).toHaveLength(1)
      expect(owner).toBe(holders[0])
    })

    it('concurrent apply() calls over many profiles lose nothing', async () => {
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

    it('a cached profile is never served stale, even after erasure and re-creation under the same id by another worker', async () => {
      const other = await ready(s.store({ rules: new ProfileRules() }))
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
}
