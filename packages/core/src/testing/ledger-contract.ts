import { afterEach, describe, expect, it } from 'vitest'
import type { IdempotencyLedger } from '../ports/idempotency-ledger.js'

/** The IdempotencyLedger contract. `make` gives a fresh, empty ledger per test. */
export function describeIdempotencyLedgerContract(
  name: string,
  make: () => Promise<{ ledger: IdempotencyLedger; cleanup?: () => Promise<void> }>,
): void {
  describe(`IdempotencyLedger contract: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined
    afterEach(async () => {
      await cleanup?.()
      cleanup = undefined
    })
    const setup = async (): Promise<IdempotencyLedger> => {
      const made = await make()
      cleanup = made.cleanup
      return made.ledger
    }

    it('lets exactly one of many concurrent claims win', async () => {
      const ledger = await setup()
      const results = await Promise.all(Array.from({ length: 20 }, () => ledger.claim('k1')))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('remembers a completed send and refuses to claim it again', async () => {
      const ledger = await setup()
      expect(await ledger.claim('k2')).toBe(true)
      await ledger.complete('k2', { status: 'sent', providerMessageId: 'm-1' })
      expect(await ledger.claim('k2', 0)).toBe(false)
      expect(await ledger.get('k2')).toMatchObject({ state: 'done', result: { status: 'sent', providerMessageId: 'm-1' } })
    })

    it('releases a claim so a retry can claim again', async () => {
      const ledger = await setup()
      expect(await ledger.claim('k3')).toBe(true)
      expect(await ledger.claim('k3')).toBe(false)
      await ledger.release('k3')
      expect(await ledger.get('k3')).toBeUndefined()
      expect(await ledger.claim('k3')).toBe(true)
    })

    it('keeps keys apart', async () => {
      const ledger = await setup()
      expect(await ledger.claim('a')).toBe(true)
      expect(await ledger.claim('b')).toBe(true)
      expect(await ledger.get('c')).toBeUndefined()
    })
  })
}
