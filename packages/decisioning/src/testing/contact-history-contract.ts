import { describe, expect, it } from 'vitest'
import type { ContactHistory, ContactRecord } from '../contact-history.js'

const contact = (over: Partial<ContactRecord> = {}): ContactRecord => ({
  key: 'd-1:r:a',
  customerId: 'c-1',
  actionId: 'a',
  decisionId: 'd-1',
  kind: 'message',
  channel: 'push',
  at: 1_000,
  ...over,
})

/**
 * The ContactHistory contract: run it against any implementation (`make` returns a fresh,
 * empty one for each test).
 */
export function describeContactHistoryContract(name: string, make: () => ContactHistory | Promise<ContactHistory>): void {
  describe(`ContactHistory contract: ${name}`, () => {
    it('records a contact once per key and lists it from a time on, oldest first', async () => {
      const history = await make()
      await history.record(contact({ key: 'k2', at: 2_000 }))
      await history.record(contact({ key: 'k1', at: 1_000 }))
      await history.record(contact({ key: 'k1', at: 5_000, actionId: 'other' }))
      const all = await history.list('c-1', 0)
      expect(all.map((c) => [c.key, c.at, c.actionId])).toEqual([
        ['k1', 1_000, 'a'],
        ['k2', 2_000, 'a'],
      ])
      expect((await history.list('c-1', 1_500)).map((c) => c.key)).toEqual(['k2'])
      expect(await history.list('c-2', 0)).toEqual([])
    })

    it('confirms the channel a contact went out on', async () => {
      const history = await make()
      await history.record(contact())
      expect(await history.confirmChannel('c-1', 'd-1:r:a', 'line')).toBe(true)
      expect(await history.confirmChannel('c-1', 'nope', 'line')).toBe(false)
      expect((await history.list('c-1', 0))[0]?.channel).toBe('line')
    })

    it('erases one customer and no other', async () => {
      const history = await make()
      await history.record(contact())
      await history.record(contact({ key: 'x', customerId: 'c-2' }))
      expect(await history.eraseCustomer('c-1')).toBe(1)
      expect(await history.list('c-1', 0)).toEqual([])
      expect(await history.list('c-2', 0)).toHaveLength(1)
    })
  })
}
