// The airport story end to end: the fixtures played on the virtual clock through the example's hub.
import { playEvents, readEventFile, Tokens } from '@omotenashi/core'
import { ProfileTokens } from '@omotenashi/profile'
import { afterEach, describe, expect, it } from 'vitest'
import { FIXTURES } from './fixtures.js'
import { createExampleHub, type AirportHub } from './hub.js'

describe('example: airport journey', () => {
  let airport: AirportHub | undefined
  afterEach(async () => {
    await airport?.stop()
  })

  async function morning(): Promise<AirportHub> {
    airport = await createExampleHub()
    await playEvents(airport.hub, airport.clock, await readEventFile(FIXTURES.customers))
    await playEvents(airport.hub, airport.clock, await readEventFile(FIXTURES.morning))
    return airport
  }

  it('pushes the route into the terminal to the traveller who reserved that car park, in their language', async () => {
    const a = await morning()
    const routes = a.pushed().filter((p) => p.actionId === 'route-to-terminal')
    expect(routes.map((p) => p.loyaltyId)).toEqual(['AP-1001'])
    expect(routes[0]!.title).toBe('P2駐車場から第3ターミナルへ')
    expect(routes[0]!.body).toBe('エレベーターで2階へ、連絡通路を進むと出発ロビーです（徒歩約6分）')
    expect(routes[0]!.url).toBe('https://airport.example.jp/route?from=hnd-p2&to=T3-departures')
    // Sent the moment she arrived (06:10 JST), not later, to her phone's FCM registration token.
    expect(routes[0]!.at).toBe('2026-05-14T21:10:00.000Z')
    expect(a.fcm.received[0]!.message.token).toBe('dAiko7PhoneRegistration:APA91bExampleTokenForAiko')
    expect(a.fcm.refused).toEqual([])
  })

  it('with push turned off, the route goes to the in-app inbox, once, although the geofence event came twice', async () => {
    const a = await morning()
    const inbox = await a.inbox('AP-1002')
    expect(inbox.map((m) => [m.actionId, m.title])).toEqual([['route-to-terminal', 'From P2 car park to Terminal 3']])
    expect(a.pushed().some((p) => p.loyaltyId === 'AP-1002')).toBe(false)
  })

  it('no reservation, no route: the decision log says the eligibility failed', async () => {
    const a = await morning()
    expect((await a.inbox('AP-1003')).some((m) => m.actionId === 'route-to-terminal')).toBe(false)
    const atCarPark = (await a.decisions('AP-1003')).find((d) => d.eventId === 'm-3')!
    expect(atCarPark.actions).toEqual([])
    expect(atCarPark.candidates).toEqual([expect.objectContaining({ actionId: 'route-to-terminal', status: 'ineligible', policy: 'eligibility' })])
  })

  it('the healthy-food coupon reaches those known to prefer healthy food (trait or survey answer), not the ramen lover', async () => {
    const a = await morning()
    const byPush = a.pushed().filter((p) => p.actionId === 'healthy-coupon').map((p) => p.loyaltyId)
    expect(byPush).toEqual(['AP-1001']) // trait foodPreference: healthy
    const chika = await a.inbox('AP-1003') // survey answer food: healthy; inbox only
    expect(chika.map((m) => m.actionId)).toEqual(['healthy-coupon'])
    expect(chika[0]!.url).toBe('https://airport.example.jp/coupons/green-kitchen')
    expect((await a.inbox('AP-1002')).some((m) => m.actionId === 'healthy-coupon')).toBe(false)
    const airside = (await a.decisions('AP-1002')).find((d) => d.eventId === 'm-5')!
    expect(airside.candidates[0]).toMatchObject({ actionId: 'healthy-coupon', status: 'ineligible' })
  })

  it('reads the reserved car park from the profile at decision time (computed trait)', async () => {
    const a = await morning()
    const id = (await a.hub.get(Tokens.IdentityResolver).resolve({ loyaltyId: 'AP-1001' }, { create: false }))!
    const profile = (await a.hub.get(ProfileTokens.ProfileStore).get(id))!
    expect(profile.activity.filter((f) => f.type === 'reservation.created').map((f) => f.storeId)).toEqual(['hnd-p2'])
    // Her next trip is booked for car park P5; driving into P2 later gets no route.
    await a.hub.publish({ type: 'reservation.created', source: 'parking', identity: { loyaltyId: 'AP-1001' }, storeId: 'hnd-p5', data: { reservationId: 'PK-9', kind: 'parking' } })
    await a.clock.advance(12 * 3_600_000)
    await a.hub.publish({ id: 'later', type: 'geofence.entered', source: 'app', identity: { loyaltyId: 'AP-1001' }, data: { geofenceId: 'hnd-p2', kind: 'car_park', name: 'P2駐車場' } })
    await a.hub.drain()
    const later = (await a.decisions('AP-1001')).find((d) => d.eventId === 'later')!
    expect(later.candidates[0]).toMatchObject({ status: 'ineligible' })
  })
})
