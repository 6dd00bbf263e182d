import { fileURLToPath } from 'node:url'
import { inboxChannel, pushChannel } from '@omotenashi/channel-push'
import { startFcmServer, type FcmServer } from '@omotenashi/channel-push/testing'
import { createHub, Tokens, VirtualClock, type Decision, type Hub, type InboxMessage } from '@omotenashi/core'
import { decisioning, loadRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

/** Where the example starts: a few days before the trip, so the customers can be set up first. */
export const START = '2026-05-10T00:00:00Z'

/** Options of {@link createExampleHub}. */
export interface AirportHubOptions {
  /** The clock; default a VirtualClock at {@link START}. */
  readonly clock?: VirtualClock
  /** Called with every decision once recorded (the example prints them). */
  readonly onDecision?: (decision: Decision) => void
}

/** One notification as the phone would show it, with when the hub sent it. */
export interface Pushed {
  /** The customer's loyalty id. */
  readonly loyaltyId: string | undefined
  readonly actionId: string
  readonly title: string | undefined
  readonly body: string | undefined
  /** The deep link (FCM `data.url`). */
  readonly url: string | undefined
  /** When the hub sent it (ISO, on the hub's clock). */
  readonly at: string
}

/** The airport hub and the handles the story reads. */
export interface AirportHub {
  readonly hub: Hub
  readonly clock: VirtualClock
  /** The local FCM endpoint the push channel sends to (checks every message against FCM's v1 schema). */
  readonly fcm: FcmServer
  /** What reached phones by push, in order. */
  pushed(): Pushed[]
  /** A customer's in-app inbox, newest first. */
  inbox(loyaltyId: string): Promise<InboxMessage[]>
  /** A customer's decisions, newest first. */
  decisions(loyaltyId: string): Promise<Decision[]>
  /** Stops the hub and the local FCM endpoint. */
  stop(): Promise<void>
}

/**
 * Assembles the airport hub on embedded defaults: memory profiles, the rules in `rules/`, and
 * the real push channel (`pushChannel()`, FCM HTTP v1) sending to a local FCM endpoint, with the
 * in-app inbox as its fallback. Started, on a virtual clock.
 */
export async function createExampleHub(options: AirportHubOptions = {}): Promise<AirportHub> {
  const clock = options.clock ?? new VirtualClock(START)
  // A local stand-in for FCM (no Google project here): same endpoint, same schema checks.
  const accessToken = 'local-fcm-access-token'
  const fcm = await startFcmServer({ projectId: 'airport-example', accessToken })
  const rules = await loadRules('rules/*.yaml', { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  const hub = await createHub({
    clock,
    modules: [
      profiles({
        // "Which car park did they reserve?": the latest parking reservation's car park, read at decision time.
        computedTraits: [{ name: 'reserved_car_park', aggregate: 'last', field: 'storeId', events: ['reservation.created'], window: '30d' }],
      }),
      decisioning({
        rules,
        policies: { quietHours: { from: '23:00', to: '05:30' }, moment: '30m', defaultTimeZone: 'Asia/Tokyo' },
        learning: { seed: 1 },
        ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      }),
      pushChannel({ fcm: { projectId: 'airport-example', accessToken: () => accessToken, baseUrl: fcm.baseUrl } }),
      inboxChannel({ ttlSeconds: 2 * 86_400 }),
    ],
  })
  // A dead letter means a stage failed: the example must never hide that.
  hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
  })
  // What reached FCM for each push send (its requests are made during the send), with the hub's time.
  const pushed: Pushed[] = []
  let seen = 0
  hub.hooks.on('action.sent', (action, channel) => {
    if (channel !== 'push') return
    for (const { message } of fcm.received.slice(seen)) {
      pushed.push({
        loyaltyId: action.recipient.identifiers['loyaltyId']?.[0],
        actionId: action.actionId,
        title: message.notification?.title,
        body: message.notification?.body,
        url: message.data?.['url'],
        at: new Date(clock.now()).toISOString(),
      })
    }
    seen = fcm.received.length
  })
  await hub.start()
  const customerId = async (loyaltyId: string): Promise<string> => {
    const id = await hub.get(Tokens.IdentityResolver).resolve({ loyaltyId }, { create: false })
    if (id === undefined) throw new Error(`no customer with loyaltyId ${loyaltyId}`)
    return id
  }
  return {
    hub,
    clock,
    fcm,
    pushed: () => [...pushed],
    inbox: async (loyaltyId) => hub.get(Tokens.InboxStore).list(await customerId(loyaltyId), { now: new Date(clock.now()).toISOString() }),
    decisions: async (loyaltyId) => hub.get(Tokens.DecisionLog).list(await customerId(loyaltyId)),
    stop: async () => {
      await hub.stop()
      await fcm.close()
    },
  }
}
