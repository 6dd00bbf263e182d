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
