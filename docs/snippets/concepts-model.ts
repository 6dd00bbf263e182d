// The concepts guide: events, identity and profiles (docs/concepts.md quotes the regions).
import { createHub, Tokens, ValidationError, VirtualClock, type Hub } from '@omotenashi/core'
import { ProfileTokens, profiles, type Profile } from '@omotenashi/profile'
import * as z from 'zod'

/** A hub with profiles only, on a virtual clock. */
export async function modelHub(): Promise<Hub> {
  // #region custom-event
  const hub = await createHub({
    clock: new VirtualClock('2026-03-02T01:00:00Z'),
    modules: [profiles()],
    events: {
      custom: {
        'kiosk.tapped': {
          needsCustomer: true,
          description: 'A customer tapped their card on an in-store kiosk.',
          data: z.looseObject({ kioskId: z.string().min(1), screen: z.string().optional() }),
        },
      },
    },
  })
  await hub.start()
  // #endregion custom-event
  return hub
}

/** Publishes a bad event and returns what the hub said about it. */
export async function badEvent(hub: Hub): Promise<ValidationError['issues']> {
  // #region validation
  try {
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: { loyaltyId: 'L-1' }, data: { total: -5 } })
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    console.log(error.issues.map((i) => `${i.path}: ${i.message}`))
    // [ 'data.transactionId: Invalid input: …', 'data.items: …', 'data.total: Too small: expected number to be >=0',
    //   'data.currency: …', 'storeId: a pos.purchased event must name the store' ]
    return error.issues
  }
  // #endregion validation
  throw new Error('the bad event was accepted')
}

/** Identity resolution: several identifiers, one customer. */
export async function identity(hub: Hub): Promise<Profile> {
  // #region identity
  // Browsing anonymously on the web…
  await hub.publish({ type: 'product.viewed', source: 'web', identity: { anonymousId: 'web-7f3a' }, data: { sku: 'COAT-1' } })
  // …a loyalty member in the app…
  await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: { loyaltyId: 'L-1001' }, data: { traits: { name: 'Aiko' } } })
  // …who logs in on the web: both identifiers in one event link (and merge) the two profiles.
  await hub.publish({ type: 'identity.linked', source: 'web', identity: { anonymousId: 'web-7f3a', loyaltyId: 'L-1001' } })
  // …and follows the shop on LINE from the app.
  await hub.publish({ type: 'line.followed', source: 'line', identity: { loyaltyId: 'L-1001', lineUserId: 'U0123456789abcdef0123456789abcdef' } })
  await hub.drain()

  // Any of the identifiers now finds the same customer.
  const resolver = hub.get(Tokens.IdentityResolver)
  const byLine = await resolver.resolve({ lineUserId: 'U0123456789abcdef0123456789abcdef' }, { create: false })
  const byCookie = await resolver.resolve({ anonymousId: 'web-7f3a' }, { create: false })
  console.log(byLine === byCookie) // true
  // #endregion identity
  return (await hub.get(ProfileTokens.ProfileStore).get(byLine!))!
}

/** Reading a profile. */
export async function readProfile(hub: Hub): Promise<Profile> {
  // #region profile
  const customerId = await hub.get(Tokens.IdentityResolver).resolve({ loyaltyId: 'L-1001' }, { create: false })
  const profile = await hub.get(ProfileTokens.ProfileStore).get(customerId!)

  console.log(profile!.traits['name']?.value) // 'Aiko' (with its source and time)
  console.log(Object.keys(profile!.identifiers)) // [ 'loyaltyId', 'anonymousId', 'lineUserId' ]
  console.log(profile!.interests['COAT-1']) // { viewed: '2026-03-02T01:00:00.000Z' }
  console.log(profile!.consent['line']?.['*']?.granted, profile!.reachability['line']?.reachable) // true true
  // #endregion profile
  return profile!
}
