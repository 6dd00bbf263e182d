import { ContainerModule } from 'inversify'
import { Tokens, ValidationError, VirtualClock, createHub, type PipelineContext } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { MemoryProfileStore } from './memory-profile-store.js'
import { ProfileRules } from './profile-rules.js'
import { profiles } from './profiles-module.js'
import { ProfileTokens } from './tokens.js'
import { computeTraits } from './computed-traits.js'

const purchase = (sku: string, total: number) => ({
  transactionId: `t-${sku}-${total}`,
  items: [{ sku, quantity: 1, unitPrice: total }],
  total,
  currency: 'JPY',
})

describe('profiles() in a hub', () => {
  it('identifies, merges and updates profiles end to end', async () => {
    const clock = new VirtualClock('2026-03-01T09:00:00Z')
    const hub = await createHub({
      clock,
      modules: [
        profiles({
          defaultTimeZone: 'Asia/Tokyo',
          computedTraits: [
            { name: 'purchases_90d', aggregate: 'count', events: ['pos.purchased', 'order.placed'], window: '90d' },
            { name: 'avgBasket', aggregate: 'avg', events: ['pos.purchased', 'order.placed'] },
            { name: 'lastStoreVisitAt', aggregate: 'last', events: ['store.checked_in'] },
          ],
        }),
      ],
    })
    const processed: PipelineContext[] = []
    hub.hooks.on('event.processed', (ctx) => processed.push(ctx))
    await hub.start()
    await hub.publish({ type: 'product.viewed', source: 'web', identity: { anonymousId: 'cookie-1' }, data: { sku: 'COAT-1' } })
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya' })
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya', data: purchase('BAG-1', 30000) })
    await hub.drain()
    // Logging in on the web links the cookie to the loyalty card: the two profiles merge.
    await hub.publish({ type: 'order.placed', source: 'web', identity: { anonymousId: 'cookie-1', loyaltyId: 'L-1001', email: 'Hanako@Example.jp' }, data: { orderId: 'o-1', ...purchase('COAT-1', 50000) } })
    await hub.publish({ type: 'catalog.price_changed', source: 'erp', subject: 'COAT-1', data: { sku: 'COAT-1', oldPrice: 50000, newPrice: 40000, currency: 'JPY' } })
    await hub.drain()

    const store = hub.get(ProfileTokens.ProfileStore)
    const id = (await store.resolve({ email: 'hanako@example.jp' }, { create: false })).profileId!
    const profile = (await store.get(id))!
    expect(profile.identifiers['anonymousId']?.map((r) => r.value)).toEqual(['cookie-1'])
    expect(profile.identifiers['loyaltyId']?.map((r) => r.value)).toEqual(['L-1001'])
    expect(profile.mergedFrom).toHaveLength(1)
    expect(profile.timeZone).toBe('Asia/Tokyo')
    expect(profile.interests['COAT-1']).toMatchObject({ viewed: expect.any(String), purchased: expect.any(String) })
    expect(profile.interests['BAG-1']?.purchased).toBeDefined()
    const merged = processed.filter((c) => c.event.type === 'profile.merged')
    expect(merged).toHaveLength(1)
    expect(merged[0]?.event.data).toMatchObject({ survivorId: id, mergedIds: profile.mergedFrom })
    expect(merged[0]?.customerId).toBe(id)
    const price = processed.find((c) => c.event.type === 'catalog.price_changed')!
    expect(price.customerId).toBeUndefined()
    expect(price.profile).toBeUndefined()
    // The pipeline carries the typed profile to later stages.
    const order = processed.find((c) => c.event.type === 'order.placed')!
    expect(order.profile?.id).toBe(id)
    expect(order.profile?.identifiers['email']?.[0]?.value).toBe('hanako@example.jp')
    const traits = computeTraits(profile, hub.get(ProfileTokens.ComputedTraits), clock.now())
    expect(traits).toEqual({ purchases_90d: 2, avgBasket: 40000, lastStoreVisitAt: '2026-03-01T09:00:00.000Z' })
    for await (const who of store.findByInterest({ kind: 'viewed', sku: 'COAT-1', unless: 'purchased' })) throw new Error(`unexpected ${who}`)

    const receipt = await hub.erase({ identity: { email: 'hanako@example.jp' } })
    expect(receipt.customerId).toBe(id)
    expect(receipt.removed['profiles']).toBeGreaterThan(3)
    expect(await store.get(id)).toBeUndefined()
    await hub.stop()
  })

  it('dead-letters an event with a malformed identifier and applies nothing', async () => {
    const hub = await createHub({ modules: [profiles()] })
    await hub.start()
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-9', email: 'not-an-email' }, storeId: 'umeda' })
    await hub.drain()
    const [letter] = await hub.deadLetters()
    expect(letter).toMatchObject({ stage: 'identify', error: { code: 'E_VALIDATION', message: expect.stringContaining('identity.email') } })
    expect(await hub.get(Tokens.IdentityResolver).resolve({ loyaltyId: 'L-9' }, { create: false })).toBeUndefined()
    await hub.stop()
  })

  it('yields to a store module that binds the ProfileStore token, in any order', async () => {
    for (const order of ['before', 'after'] as const) {
      const mine = new MemoryProfileStore({ rules: new ProfileRules() })
      const storeModule = new ContainerModule(({ bind }) => void bind(ProfileTokens.ProfileStore).toConstantValue(mine))
      const hub = await createHub({ modules: order === 'before' ? [storeModule, profiles()] : [profiles(), storeModule] })
      await hub.start()
      await hub.publish({ type: 'page.viewed', source: 'web', identity: { anonymousId: 'a-1' } })
      await hub.drain()
      expect(hub.get(ProfileTokens.ProfileStore)).toBe(mine)
      expect(mine.size).toBe(1)
      await hub.stop()
    }
  })

  it('records a redelivered event once', async () => {
    const hub = await createHub({ modules: [profiles()] })
    await hub.start()
    const input = { id: 'evt-1', type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-2' }, storeId: 'shibuya' } as const
    await hub.publish(input)
    await hub.publish(input)
    await hub.drain()
    const store = hub.get(ProfileTokens.ProfileStore)
    const id = (await store.resolve({ loyaltyId: 'L-2' }, { create: false })).profileId!
    expect((await store.get(id))?.activity).toHaveLength(1)
    await hub.stop()
  })

  it('validates its options, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ defaultRegion: 'japan' }, 'defaultRegion'],
      [{ defaultTimeZone: 'Mars/Base' }, 'defaultTimeZone'],
      [{ kinds: { anonymousId: { maxPerProfile: 0 } } }, 'kinds.anonymousId.maxPerProfile'],
      [{ computedTraits: [{ name: 'x', aggregate: 'median', events: ['pos.purchased'] }] }, 'computedTraits.0.aggregate'],
      [{ computedTraits: [{ name: 'x', aggregate: 'count', events: ['pos.purchased'], window: 'ninety days' }] }, 'computedTraits.0.window'],
      [{ rules: new ProfileRules(), defaultRegion: 'US' }, 'rules'],
    ]
    for (const [options, path] of cases) {
      let error: unknown
      try {
        profiles(options as never)
      } catch (e) {
        error = e
      }
      expect(error, path).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues.map((i) => i.path)).toContain(path)
    }
  })
})
