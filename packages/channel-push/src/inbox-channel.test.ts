import { MemoryInboxStore, VirtualClock } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { InboxChannel } from './inbox-channel.js'

describe('InboxChannel', () => {
  const recipient = { customerId: 'c-1', identifiers: {} }

  it('stores a message once per key, with its expiry', async () => {
    const clock = new VirtualClock('2026-03-01T09:00:00Z')
    const store = new MemoryInboxStore()
    const inbox = new InboxChannel({ id: 'inbox', store, clock, ttlSeconds: 86_400 })
    const message = { actionId: 'coupon', decisionId: 'd-1', title: '10% OFF', text: '本日限り', url: 'myapp://coupon/10' }
    expect(await inbox.send(message, recipient, { idempotencyKey: 'd-1:inbox' })).toMatchObject({ status: 'sent' })
    expect(await inbox.send(message, recipient, { idempotencyKey: 'd-1:inbox' })).toMatchObject({ status: 'duplicate' })
    const listed = await store.list('c-1', { now: '2026-03-01T10:00:00.000Z' })
    expect(listed).toEqual([
      {
        id: 'd-1:inbox',
        customerId: 'c-1',
        actionId: 'coupon',
        title: '10% OFF',
        text: '本日限り',
        url: 'myapp://coupon/10',
        data: { decisionId: 'd-1' },
        createdAt: '2026-03-01T09:00:00.000Z',
        expiresAt: '2026-03-02T09:00:00.000Z',
      },
    ])
    expect(await store.list('c-1', { now: '2026-03-02T09:00:01.000Z' })).toEqual([])
  })

  it('takes an explicit expiry, and refuses an empty message', async () => {
    const store = new MemoryInboxStore()
    const inbox = new InboxChannel({ id: 'inbox', store, clock: new VirtualClock('2026-03-01T00:00:00Z'), ttlSeconds: 0 })
    await inbox.send({ actionId: 'a', title: 't', content: { inbox: { expiresAt: '2026-03-05T00:00:00+09:00' } } }, recipient, { idempotencyKey: 'k' })
    expect((await store.list('c-1', { now: '2026-03-01T00:00:00.000Z' }))[0]?.expiresAt).toBe('2026-03-04T15:00:00.000Z')
    expect(await inbox.send({ actionId: 'a' }, recipient, { idempotencyKey: 'k2' })).toMatchObject({ status: 'failed', permanent: true })
  })

  it('reports a failing store as transient', async () => {
    const store = new MemoryInboxStore()
    store.put = async () => {
      throw new Error('connection refused')
    }
    const inbox = new InboxChannel({ id: 'inbox', store, clock: new VirtualClock(), ttlSeconds: 60 })
    expect(await inbox.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: false })
  })
})
