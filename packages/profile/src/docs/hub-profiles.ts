// docs/profiles.md: "A hub with profiles"
import { createHub, VirtualClock } from '@omotenashi/core'
import { computeTraits, profiles, ProfileTokens } from '@omotenashi/profile'

export async function hubWithProfiles() {
  const clock = new VirtualClock('2026-03-01T10:00:00+09:00')
  const hub = await createHub({
    clock,
    modules: [
      profiles({
        defaultRegion: 'JP',
        defaultTimeZone: 'Asia/Tokyo',
        kinds: { anonymousId: { blocked: ['kiosk-shibuya-01'] } },
        computedTraits: [
          { name: 'purchases_90d', aggregate: 'count', events: ['pos.purchased', 'order.placed'], window: '90d' },
          { name: 'lastStoreVisitAt', aggregate: 'last', events: ['store.checked_in'] },
        ],
      }),
    ],
  })
  await hub.start()

  // Browsing anonymously, then trying a coat on in a store with the loyalty card.
  await hub.publish({ type: 'product.viewed', source: 'web', identity: { anonymousId: 'cookie-7' }, data: { sku: 'COAT-1' } })
  await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya' })
  await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya', data: { sku: 'COAT-1' } })
  // Logging in on the web links the cookie, the card and the email: the two profiles merge.
  await hub.publish({ type: 'line.followed', source: 'line', identity: { anonymousId: 'cookie-7', loyaltyId: 'L-1001', email: 'Hanako@Example.jp' } })
  await hub.drain()

  const store = hub.get(ProfileTokens.ProfileStore)
  const { profileId } = await store.resolve({ email: 'hanako@example.jp' }, { create: false })
  const profile = (await store.get(profileId!))!
  const traits = computeTraits(profile, hub.get(ProfileTokens.ComputedTraits), clock.now())

  // Who tried COAT-1 on in the last 30 days and has not bought it since?
  const audience: string[] = []
  for await (const id of store.findByInterest({ kind: 'tried_on', sku: 'COAT-1', since: '2026-02-01T00:00:00Z', unless: 'purchased' })) audience.push(id)

  // Erasure (APPI/GDPR): everything about the person, everywhere the hub keeps it.
  const receipt = await hub.erase({ identity: { loyaltyId: 'L-1001' } })
  await hub.stop()
  return { profile, traits, audience, receipt }
}
