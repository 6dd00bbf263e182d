import { describe, expect, it } from 'vitest'
import { describeProfileStoreContract } from './testing/index.js'
import { MemoryProfileStore } from './memory-profile-store.js'
import { ProfileRules } from './profile-rules.js'

describeProfileStoreContract('memory', async ({ rules }) => ({ store: new MemoryProfileStore({ rules }) }))

// Every profile but the last one used is packed: the whole contract again through the cold path.
describeProfileStoreContract('memory, one hot profile', async ({ rules }) => ({ store: new MemoryProfileStore({ rules, hotProfiles: 1 }) }))

describe('MemoryProfileStore', () => {
  it('packs profiles beyond the hot limit and unpacks them unchanged', async () => {
    const store = new MemoryProfileStore({ rules: new ProfileRules(), hotProfiles: 2 })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const id = store.resolveNow({ email: `u${i}@example.jp` }, { at: '2026-01-01T00:00:00.000Z' }).profileId!
      store.applyNow(id, { id: `e${i}`, type: 'product.viewed', source: 'web', time: '2026-01-01T00:01:00.000Z', identity: {}, data: { sku: `S${i}`, price: 100 } })
      ids.push(id)
    }
    const snapshot = structuredClone(await store.get(ids[0]!))
    expect(store.size).toBe(5)
    // Re-applying a packed profile's event is still recognised (applied ids survive packing).
    expect(store.applyNow(ids[0]!, { id: 'e0', type: 'product.viewed', source: 'web', time: '2026-01-01T00:01:00.000Z', identity: {}, data: { sku: 'S0' } }).applied).toBe(false)
    expect(await store.get(ids[0]!)).toEqual(snapshot)
    expect(snapshot?.interests).toEqual({ S0: { viewed: '2026-01-01T00:01:00.000Z' } })
  })
})

describe('MemoryProfileStore hot profiles', () => {
  const at = '2026-01-01T00:00:00.000Z'
  const view = (id: string, sku: string) => ({ id, type: 'product.viewed', source: 'web', time: at, identity: {}, data: { sku } })
  // A hot profile is the store's own object (the same one on every read); a packed one is unpacked anew.
  const isHot = async (store: MemoryProfileStore, id: string) => (await store.get(id)) === (await store.get(id))

  it('packs the least recently used profile, not one used since it was made hot', async () => {
    const store = new MemoryProfileStore({ rules: new ProfileRules(), hotProfiles: 2 })
    const a = store.resolveNow({ email: 'a@example.jp' }, { at }).profileId!
    const b = store.resolveNow({ email: 'b@example.jp' }, { at }).profileId!
    store.applyNow(a, view('e1', 'S1'))
    const c = store.resolveNow({ email: 'c@example.jp' }, { at }).profileId!
    expect([await isHot(store, a), await isHot(store, b), await isHot(store, c)]).toEqual([true, false, true])
  })

  it('keeps evicting correctly through many merges and erasures', async () => {
    const store = new MemoryProfileStore({ rules: new ProfileRules(), hotProfiles: 3 })
    for (let i = 0; i < 2_000; i++) {
      const x = store.resolveNow({ email: `x${i}@example.jp` }, { at }).profileId!
      store.resolveNow({ anonymousId: `anon-${i}` }, { at })
      store.resolveNow({ email: `x${i}@example.jp`, anonymousId: `anon-${i}` }, { at })
      store.applyNow(x, view(`v${i}`, `S${i}`))
      if (i % 2 === 0) await store.eraseCustomer(x)
    }
    expect(store.size).toBe(1_000)
    const last = store.resolveNow({ anonymousId: 'anon-1999' }, { create: false }).profileId!
    expect(await isHot(store, last)).toBe(true)
    expect((await store.get(last))?.interests).toEqual({ S1999: { viewed: at } })
  })
})

describe('MemoryProfileStore sightings', () => {
  it('moves lastSeen in place by the granularity, keeping records most recently seen first', async () => {
    const store = new MemoryProfileStore({ rules: new ProfileRules(), hotProfiles: 10 })
    store.resolveNow({ anonymousId: 'a1' }, { at: '2026-01-01T00:00:00.000Z' })
    store.resolveNow({ anonymousId: 'a2', email: 'p@example.jp' }, { at: '2026-01-01T00:00:00.000Z' })
    expect(store.resolveNow({ anonymousId: 'a2', email: 'p@example.jp', loyaltyId: 'L1' }, { at: '2026-01-01T00:00:00.000Z' }).profileId).toBeDefined()
    store.resolveNow({ anonymousId: 'a1', loyaltyId: 'L1' }, { at: '2026-01-01T00:00:10.000Z' })
    const merged = store.resolveNow({ anonymousId: 'a1' }, { create: false }).profileId!
    const before = structuredClone(await store.get(merged))
    // Within the granularity (1m): nothing changes.
    store.resolveNow({ anonymousId: 'a2' }, { at: '2026-01-01T00:00:30.000Z' })
    expect(await store.get(merged)).toEqual(before)
    // Later: a2 moves to the front with its new lastSeen; firstSeen stays.
    expect(store.resolveNow({ anonymousId: 'a2' }, { at: '2026-01-01T00:05:00.000Z' }).profileId).toBe(merged)
    const after = (await store.get(merged))!
    expect(after.identifiers['anonymousId']).toEqual([
      { value: 'a2', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:05:00.000Z' },
      // Seen again 10 s later: within the granularity, so its lastSeen did not move.
      { value: 'a1', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:00.000Z' },
    ])
    expect(after.version).toBe(before!.version + 1)
    expect(after.updatedAt).toBe('2026-01-01T00:05:00.000Z')
  })
})
