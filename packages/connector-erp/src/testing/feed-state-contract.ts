import { describe, expect, it } from 'vitest'
import { itemKey, type Snapshot } from '../snapshot.js'
import type { FeedStateStore } from '../state-store.js'

/**
 * The contract every {@link FeedStateStore} must pass (the memory and file stores here, or
 * yours on Redis, PostgreSQL…). `make` returns a fresh, empty store; `reopen`, when given,
 * returns a second store over the same storage (to check that state survives a restart).
 */
export function describeFeedStateStoreContract(name: string, make: () => Promise<FeedStateStore> | FeedStateStore, reopen?: (store: FeedStateStore) => Promise<FeedStateStore> | FeedStateStore): void {
  describe(`FeedStateStore contract: ${name}`, () => {
    it('has nothing for an unknown key', async () => {
      const store = await make()
      expect(await store.loadSnapshot('nope')).toBeUndefined()
      expect(await store.load('nope')).toBeUndefined()
    })

    it('returns the snapshot saved last, by key', async () => {
      const store = await make()
      const a: Snapshot = new Map([[itemKey('COAT', 'shibuya'), { quantity: 3, price: 29000, currency: 'JPY' }], [itemKey('COAT', undefined), { quantity: 12 }]])
      await store.saveSnapshot('feed-a', a)
      await store.saveSnapshot('feed-b', new Map([[itemKey('HAT', 'umeda'), { quantity: 1 }]]))
      await store.saveSnapshot('feed-a', new Map([...a, [itemKey('SCARF', 'shibuya'), { quantity: 0 }]]))
      const loaded = await store.loadSnapshot('feed-a')
      expect(loaded?.size).toBe(3)
      expect(loaded?.get(itemKey('COAT', 'shibuya'))).toEqual({ quantity: 3, price: 29000, currency: 'JPY' })
      expect(loaded?.get(itemKey('SCARF', 'shibuya'))).toEqual({ quantity: 0 })
      expect((await store.loadSnapshot('feed-b'))?.size).toBe(1)
    })

    it('keeps small values (cursors) as JSON', async () => {
      const store = await make()
      await store.save('cursor', '2026-05-01 00:00:00')
      await store.save('files', ['a.csv@1:2', 'b.csv@3:4'])
      await store.save('cursor', '2026-05-01 00:05:00')
      expect(await store.load<string>('cursor')).toBe('2026-05-01 00:05:00')
      expect(await store.load<string[]>('files')).toEqual(['a.csv@1:2', 'b.csv@3:4'])
    })

    if (reopen) {
      it('keeps state across a restart', async () => {
        const store = await make()
        await store.saveSnapshot('feed', new Map([[itemKey('A', 's'), { quantity: 5 }]]))
        await store.save('cursor', 42)
        const again = await reopen(store)
        expect((await again.loadSnapshot('feed'))?.get(itemKey('A', 's'))).toEqual({ quantity: 5 })
        expect(await again.load<number>('cursor')).toBe(42)
      })
    }
  })
}
