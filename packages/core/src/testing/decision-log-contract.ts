import { afterEach, describe, expect, it } from 'vitest'
import type { Decision } from '../ports/decision.js'
import type { DecisionLog } from '../ports/decision-log.js'

/** A decision for tests: customer `customerId`, made at `at`. */
export function sampleDecision(id: string, customerId: string, at: string): Decision {
  return {
    id,
    at,
    customerId,
    trigger: 'store.checked_in',
    eventId: `e-${id}`,
    candidates: [
      { actionId: 'vip-card', status: 'won', score: 0.8, reasons: ['tier is gold'] },
      { actionId: 'coupon', status: 'blocked', policy: 'cap.daily', reasons: ['daily cap of 1 reached'] },
    ],
    actions: [],
  }
}

/** The DecisionLog contract. `make` gives a fresh, empty log per test. */
export function describeDecisionLogContract(
  name: string,
  make: () => Promise<{ log: DecisionLog; cleanup?: () => Promise<void> }>,
): void {
  describe(`DecisionLog contract: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined
    afterEach(async () => {
      await cleanup?.()
      cleanup = undefined
    })
    const setup = async (): Promise<DecisionLog> => {
      const made = await make()
      cleanup = made.cleanup
      return made.log
    }

    it('lists a customer\'s decisions newest first, with candidates and reasons intact', async () => {
      const log = await setup()
      await log.record(sampleDecision('d1', 'c1', '2026-01-01T10:00:00.000Z'))
      await log.record(sampleDecision('d2', 'c1', '2026-01-01T11:00:00.000Z'))
      await log.record(sampleDecision('d3', 'c2', '2026-01-01T12:00:00.000Z'))
      const list = await log.list('c1')
      expect(list.map((d) => d.id)).toEqual(['d2', 'd1'])
      expect(list[0]).toEqual(sampleDecision('d2', 'c1', '2026-01-01T11:00:00.000Z'))
    })

    it('filters by time and limits', async () => {
      const log = await setup()
      for (let h = 10; h < 15; h++) await log.record(sampleDecision(`d${h}`, 'c1', `2026-01-01T${h}:00:00.000Z`))
      expect((await log.list('c1', { limit: 2 })).map((d) => d.id)).toEqual(['d14', 'd13'])
      expect((await log.list('c1', { since: '2026-01-01T13:00:00.000Z' })).map((d) => d.id)).toEqual(['d14', 'd13'])
    })

    it('shows recent decisions across customers', async () => {
      const log = await setup()
      await log.record(sampleDecision('d1', 'c1', '2026-01-01T10:00:00.000Z'))
      await log.record(sampleDecision('d2', 'c2', '2026-01-01T11:00:00.000Z'))
      expect((await log.recent(10)).map((d) => d.id)).toEqual(['d2', 'd1'])
    })

    it('erases a customer', async () => {
      const log = await setup()
      await log.record(sampleDecision('d1', 'c1', '2026-01-01T10:00:00.000Z'))
      await log.record(sampleDecision('d2', 'c2', '2026-01-01T11:00:00.000Z'))
      expect(await log.eraseCustomer('c1')).toBe(1)
      expect(await log.list('c1')).toEqual([])
      expect((await log.recent(10)).map((d) => d.id)).toEqual(['d2'])
    })
  })
}
