import { afterEach, describe, expect, it } from 'vitest'
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

/** What a contract `make` may return: the history, or it and how to clean up after the test. */
export type ContactHistoryUnderTest = ContactHistory | { readonly history: ContactHistory; readonly cleanup: () => Promise<void> }

/** Optional parts of the contract. */
export interface ContactHistoryContractOptions {
  /** Makes a fresh history bounded to `perCustomer` contacts per customer, to check it keeps the newest. */
  readonly bounded?: (perCustomer: number) => ContactHistoryUnderTest | Promise<ContactHistoryUnderTest>
}

/**
 * The ContactHistory contract: run it against any implementation (`make` returns a fresh,
 * empty one for each test, with a `cleanup` when it holds outside resources such as a schema).
 */
export function describeContactHistoryContract(
  name: string,
  make: () => ContactHistoryUnderTest | Promise<ContactHistoryUnderTest>,
  options: ContactHistoryContractOptions = {},
): void {
  describe(`ContactHistory contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup()
    })
    const fresh = async (from: () => ContactHistoryUnderTest | Promise<ContactHistoryUnderTest> = make): Promise<ContactHistory> => {
      const made = await from()
      if (!('history' in made)) return made
      cleanups.push(made.cleanup)
      return made.history
    }
    it('records a contact once per key and lists it from a time on, oldest first', async () => {
      const history = await fresh()
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
      const history = await fresh()
      await history.record(contact())
      expect(await history.confirmChannel('c-1', 'd-1:r:a', 'line')).toBe(true)
      expect(await history.confirmChannel('c-1', 'nope', 'line')).toBe(false)
      expect((await history.list('c-1', 0))[0]?.channel).toBe('line')
    })

    it('erases one customer and no other', async () => {
      const history = await fresh()
      await history.record(contact())
      await history.record(contact({ key: 'x', customerId: 'c-2' }))
      expect(await history.eraseCustomer('c-1')).toBe(1)
      expect(await history.list('c-1', 0)).toEqual([])
      expect(await history.list('c-2', 0)).toHaveLength(1)
    })

    it('lists contacts recorded at the same time, and keeps every field', async () => {
      const history = await fresh()
      const full = contact({ key: 'k-full', ruleId: 'r', eventId: 'e-1', item: 'SKU-1', kind: 'staff', channel: 'staff' })
      await history.record(full)
      await history.record(contact({ key: 'k-same-time' }))
      const listed = await history.list('c-1', 1_000)
      expect(listed.map((c) => c.key).sort()).toEqual(['k-full', 'k-same-time'])
      expect(listed.find((c) => c.key === 'k-full')).toEqual(full)
    })

    it('confirms a channel only on the customer the contact belongs to', async () => {
      const history = await fresh()
      await history.record(contact())
      expect(await history.confirmChannel('c-2', 'd-1:r:a', 'line')).toBe(false)
      expect((await history.list('c-1', 0))[0]?.channel).toBe('push')
    })

    it.skipIf(!options.bounded)('keeps the newest contacts of a customer when bounded, and no other customer\'s are touched', async () => {
      const bounded = options.bounded!
      const history = await fresh(() => bounded(3))
      await history.record(contact({ key: 'other', customerId: 'c-2', at: 1 }))
      for (const at of [5_000, 1_000, 4_000, 2_000, 3_000]) await history.record(contact({ key: `k${at}`, at }))
      expect((await history.list('c-1', 0)).map((c) => c.key)).toEqual(['k3000', 'k4000', 'k5000'])
      expect((await history.list('c-2', 0)).map((c) => c.key)).toEqual(['other'])
      // A contact trimmed away is gone everywhere: confirming it finds nothing.
      expect(await history.confirmChannel('c-1', 'k1000', 'line')).toBe(false)
    })
  })
}
