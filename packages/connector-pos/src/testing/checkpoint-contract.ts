import { describe, expect, it } from 'vitest'
import type { CheckpointStore } from '../journal/checkpoint-store.js'

/**
 * The contract every journal {@link CheckpointStore} must pass. `make` returns a fresh, empty
 * store; `reopen`, when given, a second store over the same storage (checkpoints must survive
 * a restart, or an interrupted import cannot resume).
 */
export function describeCheckpointStoreContract(name: string, make: () => Promise<CheckpointStore> | CheckpointStore, reopen?: (store: CheckpointStore) => Promise<CheckpointStore> | CheckpointStore): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    it('has no checkpoint for an unknown key', async () => {
      expect(await (await make()).get('/exports/none.csv')).toBeUndefined()
    })

    it('returns the checkpoint set last, by key, and forgets a deleted one', async () => {
      const store = await make()
      await store.set('/exports/a.csv', { line: 10, at: '2026-01-05T00:00:00.000Z' })
      await store.set('/exports/b.csv', { line: 3, at: '2026-01-05T00:00:01.000Z' })
      await store.set('/exports/a.csv', { line: 2010, at: '2026-01-05T00:00:02.000Z' })
      expect(await store.get('/exports/a.csv')).toEqual({ line: 2010, at: '2026-01-05T00:00:02.000Z' })
      expect(await store.get('/exports/b.csv')).toEqual({ line: 3, at: '2026-01-05T00:00:01.000Z' })
      await store.delete('/exports/b.csv')
      expect(await store.get('/exports/b.csv')).toBeUndefined()
    })

    if (reopen) {
      it('keeps checkpoints across a restart', async () => {
        const store = await make()
        await store.set('stream:pos-1', { line: 77, at: '2026-01-05T00:00:00.000Z' })
        expect(await (await reopen(store)).get('stream:pos-1')).toEqual({ line: 77, at: '2026-01-05T00:00:00.000Z' })
      })
    }
  })
}
