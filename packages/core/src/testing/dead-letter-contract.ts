import { afterEach, describe, expect, it } from 'vitest'
import type { OmoEvent } from '../envelope.js'
import type { DeadLetterStore } from '../ports/dead-letters.js'

const event = (id: string): OmoEvent => ({
  id,
  type: 'store.checked_in',
  source: 'app',
  time: '2026-01-01T10:00:00.000Z',
  identity: { loyaltyId: 'L-1' },
  storeId: 'shibuya',
  data: { method: 'beacon' },
})

/** The DeadLetterStore contract. `make` gives a fresh, empty store per test. */
export function describeDeadLetterStoreContract(
  name: string,
  make: () => Promise<{ store: DeadLetterStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined
    afterEach(async () => {
      await cleanup?.()
      cleanup = undefined
    })
    const setup = async (): Promise<DeadLetterStore> => {
      const made = await make()
      cleanup = made.cleanup
      return made.store
    }

    it('keeps the event exactly, with the stage and error', async () => {
      const store = await setup()
      const letter = await store.add({ event: event('e1'), stage: 'profile', error: { name: 'Error', message: 'db down', code: 'E_STAGE' }, at: '2026-01-01T10:00:01.000Z' })
      expect(await store.get(letter.id)).toEqual(letter)
      expect(letter).toMatchObject({ event: event('e1'), stage: 'profile', redriven: 0 })
      expect(await store.count()).toBe(1)
    })

    it('lists oldest first, by stage, with a limit', async () => {
      const store = await setup()
      await store.add({ event: event('e1'), stage: 'profile', error: { name: 'Error', message: 'x' }, at: '2026-01-01T10:00:01.000Z' })
      await store.add({ event: event('e2'), stage: 'act', error: { name: 'Error', message: 'y' }, at: '2026-01-01T10:00:02.000Z' })
      await store.add({ event: event('e3'), stage: 'act', error: { name: 'Error', message: 'z' }, at: '2026-01-01T10:00:03.000Z' })
      expect((await store.list()).map((d) => d.event.id)).toEqual(['e1', 'e2', 'e3'])
      expect((await store.list({ stage: 'act' })).map((d) => d.event.id)).toEqual(['e2', 'e3'])
      expect((await store.list({ limit: 1 })).map((d) => d.event.id)).toEqual(['e1'])
    })

    it('counts a re-driven event that failed again instead of duplicating it', async () => {
      const store = await setup()
      const first = await store.add({ event: event('e1'), stage: 'act', error: { name: 'Error', message: 'x' }, at: '2026-01-01T10:00:01.000Z' })
      const again = await store.add({ event: event('e1'), stage: 'act', error: { name: 'Error', message: 'x again' }, at: '2026-01-01T10:05:00.000Z' })
      expect(again.redriven).toBe(first.redriven + 1)
      expect(await store.count()).toBe(1)
    })

    it('removes', async () => {
      const store = await setup()
      const letter = await store.add({ event: event('e1'), stage: 'act', error: { name: 'Error', message: 'x' }, at: '2026-01-01T10:00:01.000Z' })
      expect(await store.remove(letter.id)).toBe(true)
      expect(await store.remove(letter.id)).toBe(false)
      expect(await store.get(letter.id)).toBeUndefined()
      expect(await store.count()).toBe(0)
    })
  })
}
