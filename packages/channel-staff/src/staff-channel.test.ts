import type { Profile } from '@omotenashi/profile'
import { createHub, Tokens, ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { cardIdFor, StaffChannel } from './staff-channel.js'
import { staffChannel, StaffTokens } from './staff-module.js'
import { StoreFeed } from './store-feed.js'

const recipient = { customerId: 'c-1', identifiers: { loyaltyId: ['L-1'] } }
const message = { actionId: 'greet', text: 'Ask about the coat', storeId: 'shibuya' }
const clock = { now: () => Date.parse('2026-03-01T10:00:00Z') }

function profile(): Profile {
  const t = '2026-02-01T00:00:00.000Z'
  return {
    id: 'c-1', version: 1, createdAt: t, updatedAt: t, identifiers: {}, consent: {}, reachability: {}, interests: {}, answers: [], activity: [], mergedFrom: [],
    traits: { tier: { value: 'gold', source: 'crm', at: t } },
  }
}

describe('StaffChannel', () => {
  it('puts a card built from the profile on the store feed', async () => {
    const feed = new StoreFeed({ stores: ['shibuya'], now: clock.now })
    const asked: string[] = []
    const channel = new StaffChannel({ feed, clock, profiles: { get: async (id) => (asked.push(id), profile()) } })
    const result = await channel.send(message, recipient, { idempotencyKey: 'k1' })
    expect(result).toEqual({ status: 'sent', providerMessageId: cardIdFor('k1') })
    expect(asked).toEqual(['c-1'])
    const [entry] = feed.since('shibuya')
    expect(entry?.card).toMatchObject({ id: cardIdFor('k1'), storeId: 'shibuya', customer: { tier: 'gold', loyaltyId: 'L-1' }, suggestion: 'Ask about the coat', profileMissing: false })
  })

  it('refuses, permanently and with a reason, cards for an unknown store or without a store', async () => {
    const feed = new StoreFeed({ stores: ['shibuya'], now: clock.now })
    const channel = new StaffChannel({ feed, clock })
    const unknown = await channel.send({ ...message, storeId: 'osaka' }, recipient, { idempotencyKey: 'k' })
    expect(unknown).toMatchObject({ status: 'failed', permanent: true })
    expect(unknown.reason).toMatch(/osaka/)
    const none = await channel.send({ actionId: 'greet' }, recipient, { idempotencyKey: 'k2' })
    expect(none).toMatchObject({ status: 'failed', permanent: true, reason: expect.stringMatching(/storeId/) })
    expect(feed.since('shibuya')).toEqual([])
  })

  it('refuses invalid staff extras, naming the field', async () => {
    const channel = new StaffChannel({ feed: new StoreFeed({ stores: ['shibuya'], now: clock.now }), clock })
    const result = await channel.send({ ...message, content: { staff: { priority: 'urgent!' } } }, recipient, { idempotencyKey: 'k' })
    expect(result).toMatchObject({ status: 'failed', permanent: true, reason: expect.stringMatching(/content\.staff\.priority/) })
  })

  it('sends one card per idempotency key', async () => {
    const feed = new StoreFeed({ stores: ['shibuya'], now: clock.now })
    const channel = new StaffChannel({ feed, clock })
    const [a, b] = await Promise.all([
      channel.send(message, recipient, { idempotencyKey: 'same' }),
      channel.send(message, recipient, { idempotencyKey: 'same' }),
    ])
    expect([a.status, b.status].sort()).toEqual(['duplicate', 'sent'])
    expect(feed.since('shibuya')).toHaveLength(1)
  })

  it('still sends a thin card when the profile store fails', async () => {
    const feed = new StoreFeed({ stores: ['shibuya'], now: clock.now })
    const channel = new StaffChannel({ feed, clock, profiles: { get: async () => Promise.reject(new Error('db down')) } })
    expect((await channel.send(message, recipient, { idempotencyKey: 'k' })).status).toBe('sent')
    expect(feed.since('shibuya')[0]?.card.profileMissing).toBe(true)
  })
})

describe('staffChannel options', () => {
  it('names every bad field', () => {
    const error = (() => {
      try {
        staffChannel({ stores: [], secret: 'short', basePath: 'staff/' })
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['basePath', 'secret', 'stores'])
  })

  it('binds every route it serves, with or without the console', async () => {
    for (const console of [true, false]) {
      const hub = await createHub({ modules: [staffChannel({ stores: ['a'], secret: 'x'.repeat(32), console })] })
      const routes = hub.container.getAll(Tokens.HttpRoute)
      expect(routes).toEqual(hub.get(StaffTokens.Staff).routes)
      expect(routes.some((r) => r.path === '/staff/console')).toBe(console)
    }
  })
})
