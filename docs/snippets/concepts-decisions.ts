// The concepts guide: decisions, policies, channels and timers (docs/concepts.md quotes the regions).
import { fileURLToPath } from 'node:url'
import { createHub, RecordingChannel, recordingChannel, Tokens, VirtualClock, type Decision, type Hub } from '@omotenashi/core'
import { decisioning, explain, loadRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

const here = fileURLToPath(new URL('.', import.meta.url))

/** The guide's hub: the rules above, policies, push and LINE as recording channels. */
export async function decisionsHub(): Promise<{ hub: Hub; clock: VirtualClock; push: RecordingChannel; line: RecordingChannel }> {
  // #region policies
  const clock = new VirtualClock('2026-03-02T01:00:00Z') // Monday 10:00 in Tokyo
  const push = new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now: () => clock.now() })
  const line = new RecordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId' }, now: () => clock.now() })

  const hub = await createHub({
    clock,
    modules: [
      profiles(),
      decisioning({
        rules: await loadRules('concepts-rules.yaml', { cwd: here }),
        policies: {
          caps: { overall: { day: 2, week: 5 }, perChannel: { push: { day: 1 } } }, // per local day / ISO week
          quietHours: { from: '21:00', to: '08:00' }, // in the customer's time zone
          moment: '30m', // one moment, one message
        },
        learning: { propensity: 'mean' }, // rank by the observed response rate (default: Thompson sampling)
      }),
      recordingChannel(push),
      recordingChannel(line),
    ],
  })
  await hub.start()
  // #endregion policies
  return { hub, clock, push, line }
}

/** A customer reachable on push and LINE. */
export async function customer(hub: Hub, loyaltyId: string): Promise<{ loyaltyId: string }> {
  const who = { loyaltyId }
  await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: who, data: { traits: { timeZone: 'Asia/Tokyo' } } })
  await hub.publish({ type: 'push.token_registered', source: 'app', identity: who, data: { token: `fcm:${loyaltyId}`, platform: 'android' } })
  await hub.publish({ type: 'consent.changed', source: 'app', identity: who, data: { channel: 'push', granted: true } })
  await hub.publish({ type: 'line.followed', source: 'line', identity: { ...who, lineUserId: `U${loyaltyId.padStart(32, '0').slice(-32).replace(/[^0-9a-f]/g, '0')}` } })
  await hub.drain()
  return who
}

/** A decision, read from the log. */
export async function aDecision(hub: Hub, aiko: { loyaltyId: string }): Promise<Decision> {
  // #region decision
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: aiko, storeId: 'shibuya', data: { geofenceId: 'g-shibuya' } })
  await hub.drain()

  const customerId = await hub.get(Tokens.IdentityResolver).resolve(aiko, { create: false })
  const [decision] = await hub.get(Tokens.DecisionLog).list(customerId!, { limit: 1 })
  console.log(decision!.candidates.map((c) => `${c.actionId}: ${c.status} ${c.score}`)) // [ 'coat-offer: won 1', 'store-coupon: eligible 0.5' ]
  console.log(decision!.actions.map((a) => `${a.actionId} via ${a.channels.join(' → ')}`)) // [ 'coat-offer via push → line' ]
  console.log(explain(decision!).join('\n')) // the same, in words
  // #endregion decision
  return decision!
}

/** Policies at work: the push cap, then quiet hours. */
export async function policiesAtWork(hub: Hub, clock: VirtualClock, aiko: { loyaltyId: string }): Promise<Decision[]> {
  // #region caps
  await clock.advance(60 * 60_000) // 11:00: a new moment
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: aiko, storeId: 'umeda', data: { geofenceId: 'g-umeda' } })
  await hub.drain() // coat-offer is in its 7-day cool-down: store-coupon wins; push is capped at 1 a day: LINE

  await clock.advanceTo('2026-03-03T13:30:00Z') // Tuesday 22:30 in Tokyo: quiet hours
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: aiko, storeId: 'shibuya', data: { geofenceId: 'g-shibuya' } })
  await hub.drain() // deferred: decided again at 08:00 local, and sent then if still allowed
  // #endregion caps
  const customerId = await hub.get(Tokens.IdentityResolver).resolve(aiko, { create: false })
  return hub.get(Tokens.DecisionLog).list(customerId!, { limit: 2 })
}

/** Timers: a wait, cancelled for the item bought. */
export async function timers(hub: Hub, clock: VirtualClock, ren: { loyaltyId: string }): Promise<void> {
  // #region timers
  await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: ren, storeId: 'shibuya', data: { sku: 'COAT-1' } })
  await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: ren, storeId: 'shibuya', data: { sku: 'SCARF-2' } })
  await hub.drain() // two timers: "still thinking?" in 2 h, one per item

  await clock.advance(30 * 60_000)
  await hub.publish({
    type: 'pos.purchased', source: 'pos', identity: ren, storeId: 'shibuya',
    data: { transactionId: 't-1', items: [{ sku: 'COAT-1', quantity: 1, unitPrice: 39000 }], total: 39000, currency: 'JPY' },
  })
  await hub.drain() // cancels the coat's timer

  await clock.advance(2 * 60 * 60_000) // the scarf's timer fires: decided afresh, then sent
  await hub.drain()
  // #endregion timers
}

/** An opt-out applies at the next decision. */
export async function optOut(hub: Hub, clock: VirtualClock, ren: { loyaltyId: string }): Promise<void> {
  await clock.advance(31 * 60_000) // a new moment
  // #region opt-out
  await hub.publish({ type: 'consent.changed', source: 'app', identity: ren, data: { channel: 'push', granted: false } })
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: ren, storeId: 'shibuya', data: { geofenceId: 'g-shibuya' } })
  await hub.drain() // sent on LINE: consent is read at every decision, so the opt-out applies at once
  // #endregion opt-out
}
