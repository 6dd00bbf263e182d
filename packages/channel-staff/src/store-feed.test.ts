import { describe, expect, it } from 'vitest'
import type { StaffCard } from './card.js'
import { StoreFeed, type FeedUpdate } from './store-feed.js'

function card(id: string, storeId: string, createdAt = new Date().toISOString(), customerId = 'c-1'): StaffCard & { storeId: string } {
  return { id, storeId, customerId, createdAt, actionId: 'a', priority: 'normal', customer: {}, talkingPoints: [], avoid: [], online: [], offline: [], triedOn: [], answers: [], profileMissing: true }
}

describe('StoreFeed', () => {
  it('numbers cards per store and hands them to that store only', () => {
    const feed = new StoreFeed({ stores: ['a', 'b'] })
    const heardA: FeedUpdate[] = []
    const heardB: FeedUpdate[] = []
    feed.subscribe('a', (u) => heardA.push(u))
    feed.subscribe('b', (u) => heardB.push(u))
    expect(feed.publish(card('1', 'a')).seq).toBe(1)
    expect(feed.publish(card('2', 'a')).seq).toBe(2)
    expect(feed.publish(card('3', 'b')).seq).toBe(1)
    expect(heardA.map((u) => u.entry.card.id)).toEqual(['1', '2'])
    expect(heardB.map((u) => u.entry.card.id)).toEqual(['3'])
    expect(() => feed.publish(card('4', 'zzz'))).toThrow(/not configured/)
  })

  it('replays after a cursor of its epoch, and everything for a cursor from another epoch', () => {
    const feed = new StoreFeed({ stores: ['a'] })
    for (const id of ['1', '2', '3']) feed.publish(card(id, 'a'))
    expect(feed.since('a', { epoch: feed.epoch, seq: 1 }).map((e) => e.card.id)).toEqual(['2', '3'])
    expect(feed.since('a', { epoch: feed.epoch, seq: 3 })).toEqual([])
    expect(feed.since('a', { epoch: 'older', seq: 3 }).map((e) => e.card.id)).toEqual(['1', '2', '3'])
    expect(new StoreFeed({ stores: ['a'] }).epoch).not.toBe(feed.epoch)
  })

  it('keeps a bounded buffer and skips stale cards on replay', () => {
    let now = Date.parse('2026-03-01T12:00:00Z')
    const feed = new StoreFeed({ stores: ['a'], bufferSize: 2, maxAgeMs: 60_000, now: () => now })
    feed.publish(card('old', 'a', '2026-03-01T11:58:00.000Z'))
    feed.publish(card('x', 'a', '2026-03-01T11:59:30.000Z'))
    feed.publish(card('y', 'a', '2026-03-01T12:00:00.000Z'))
    expect(feed.find('old')).toBeUndefined()
    expect(feed.since('a').map((e) => e.card.id)).toEqual(['x', 'y'])
    now += 45_000
    expect(feed.since('a').map((e) => e.card.id)).toEqual(['y'])
  })

  it('records acknowledgements, tells subscribers, and erases a customer', async () => {
    const feed = new StoreFeed({ stores: ['a'] })
    const heard: FeedUpdate[] = []
    feed.publish(card('1', 'a', undefined, 'c-1'))
    feed.publish(card('2', 'a', undefined, 'c-2'))
    feed.subscribe('a', (u) => heard.push(u))
    const ack = { staffId: 's', outcome: 'served' as const, at: 'now', eventId: 'e' }
    expect(feed.acknowledge('1', ack)?.acks).toEqual([ack])
    expect(heard).toMatchObject([{ kind: 'ack', ack, entry: { card: { id: '1' } } }])
    expect(feed.acknowledge('missing', ack)).toBeUndefined()
    expect(await feed.eraseCustomer('c-1')).toBe(1)
    expect(feed.find('1')).toBeUndefined()
    expect(feed.since('a').map((e) => e.card.id)).toEqual(['2'])
  })
})
