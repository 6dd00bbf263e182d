import { fileURLToPath } from 'node:url'
import { inboxChannel } from '@omotenashi/channel-push'
import { createHub, RecordingChannel, recordingChannel, Tokens, VirtualClock, type Decision, type Hub, type InboxMessage } from '@omotenashi/core'
import { decisioning, loadRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

/** Where the example starts: a few days before the trip, so the customers can be set up first. */
export const START = '2026-05-10T00:00:00Z'

/** Options of {@link createExampleHub}. */
export interface AirportHubOptions {
  /** The clock; default a VirtualClock at {@link START}. */
  readonly clock?: VirtualClock
  /** The push channel. Default: a local sink that records what would have been pushed. */
  readonly push?: RecordingChannel
  /** Called with every decision once recorded (the example prints them). */
  readonly onDecision?: (decision: Decision) => void
}

/** The airport hub and the handles the story reads. */
export interface AirportHub {
  readonly hub: Hub
  readonly clock: VirtualClock
  /** What was pushed (the local push sink). */
  readonly push: RecordingChannel
  /** A customer's in-app inbox, newest first. */
  inbox(loyaltyId: string): Promise<InboxMessage[]>
  /** A customer's decisions, newest first. */
  decisions(loyaltyId: string): Promise<Decision[]>
}

/**
 * Assembles the airport hub on embedded defaults: memory profiles, the rules in `rules/`,
 * push (a recording sink here; `pushChannel()` from `@omotenashi/channel-push` in production)
 * with the in-app inbox as its fallback. Started, on a virtual clock.
 */
export async function createExampleHub(options: AirportHubOptions = {}): Promise<AirportHub> {
  const clock = options.clock ?? new VirtualClock(START)
  const push = options.push ?? new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now: () => clock.now() })
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
      recordingChannel(push),
      inboxChannel({ ttlSeconds: 2 * 86_400 }),
    ],
  })
  // A dead letter means a stage failed: the example must never hide that.
  hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
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
    push,
    inbox: async (loyaltyId) => hub.get(Tokens.InboxStore).list(await customerId(loyaltyId), { now: new Date(clock.now()).toISOString() }),
    decisions: async (loyaltyId) => hub.get(Tokens.DecisionLog).list(await customerId(loyaltyId)),
  }
}
