import { afterEach, describe, expect, it } from 'vitest'
import type { InboxMessage, InboxStore } from '../ports/inbox.js'

const message = (id: string, customerId: string, createdAt: string, extra: Partial<InboxMessage> = {}): InboxMessage => ({
  id,
  customerId,
  createdAt,
  title: `t-${id}`,
  text: 'hello',
  ...extra,
})

/** The InboxStore contract. `make` gives a fresh, empty store per test. */
export function describeInboxStoreContract(
  name: string,
  make: () => Promise<{ inbox: InboxStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`InboxStore contract: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined
    afterEach(async () => {
      await cleanup?.()
      cleanup = undefined
    })
    const setup = async (): Promise<InboxStore> => {
      const made = await make()
      cleanup = made.cleanup
      return made.inbox
    }

    it('stores a message once per id and lists newest first', async () => {
      const inbox = await setup()
      expect(await inbox.put(message('m1', 'c1', '2026-01-01T10:00:00.000Z'))).toBe(true)
      expect(await inbox.put(message('m1', 'c1', '2026-01-01T10:00:00.000Z', { title: 'changed' }))).toBe(false)
      await inbox.put(message('m2', 'c1', '2026-01-01T11:00:00.000Z', { data: { coupon: 'X' } }))
      await inbox.put(message('m3', 'c2', '2026-01-01T12:00:00.000Z'))
      const list = await inbox.list('c1', { now: '2026-01-02T00:00:00.000Z' })
      expect(list.map((m) => m.id)).toEqual(['m2', 'm1'])
      expect(list[1]?.title).toBe('t-m1')
      expect(list[0]?.data).toEqual({ coupon: 'X' })
    })

    it('hides expired messages', async () => {
      const inbox = await setup()
      await inbox.put(message('m1', 'c1', '2026-01-01T10:00:00.000Z', { expiresAt: '2026-01-01T12:00:00.000Z' }))
      await inbox.put(message('m2', 'c1', '2026-01-01T10:00:00.000Z'))
      expect((await inbox.list('c1', { now: '2026-01-01T11:00:00.000Z' })).map((m) => m.id).sort()).toEqual(['m1', 'm2'])
      expect((await inbox.list('c1', { now: '2026-01-01T13:00:00.000Z' })).map((m) => m.id)).toEqual(['m2'])
    })

    it('marks read, filters unread, deletes', async () => {
      const inbox = await setup()
      await inbox.put(message('m1', 'c1', '2026-01-01T10:00:00.000Z'))
      await inbox.put(message('m2', 'c1', '2026-01-01T11:00:00.000Z'))
      expect(await inbox.markRead('c1', 'm1', '2026-01-01T12:00:00.000Z')).toBe(true)
      expect(await inbox.markRead('c1', 'nope', '2026-01-01T12:00:00.000Z')).toBe(false)
      const now = '2026-01-02T00:00:00.000Z'
      expect((await inbox.list('c1', { unreadOnly: true, now })).map((m) => m.id)).toEqual(['m2'])
      expect((await inbox.list('c1', { now })).find((m) => m.id === 'm1')?.readAt).toBe('2026-01-01T12:00:00.000Z')
      expect(await inbox.delete('c1', 'm2')).toBe(true)
      expect(await inbox.delete('c1', 'm2')).toBe(false)
      expect((await inbox.list('c1', { now })).map((m) => m.id)).toEqual(['m1'])
    })

    it('erases a customer\'s inbox and only theirs', async () => {
      const inbox = await setup()
      await inbox.put(message('m1', 'c1', '2026-01-01T10:00:00.000Z'))
      await inbox.put(message('m2', 'c2', '2026-01-01T10:00:00.000Z'))
      expect(await inbox.eraseCustomer('c1')).toBe(1)
      const now = '2026-01-02T00:00:00.000Z'
      expect(await inbox.list('c1', { now })).toEqual([])
      expect(await inbox.list('c2', { now })).toHaveLength(1)
    })
  })
}
