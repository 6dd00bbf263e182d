// Helpers shared by this package's tests (not exported): a hub on a virtual clock with
// recording channels shaped like the real ones, and customers set up through real events.
import { createHash } from 'node:crypto'
import { RecordingChannel, VirtualClock, createHub, recordingChannel, type EventInput, type Hub } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import type { ContainerModule } from 'inversify'
import { explain } from './explain.js'
import { decisioning, type DecisioningOptions } from './module.js'

/** Recording channels with the capabilities of the real adapters. */
export function storyChannels(clock: VirtualClock): Record<'push' | 'line' | 'email' | 'inbox' | 'staff', RecordingChannel> {
  const now = () => clock.now()
  return {
    push: new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now }),
    line: new RecordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId', rich: true, twoWay: true }, now }),
    email: new RecordingChannel({ id: 'email', capabilities: { addressKind: 'email' }, now }),
    inbox: new RecordingChannel({ id: 'inbox', capabilities: {}, now }),
    staff: new RecordingChannel({ id: 'staff', capabilities: { storeAddressed: true }, now }),
  }
}

/** A started hub with profiles(), decisioning(options) and the story channels. */
export async function storyHub(options: DecisioningOptions, start = '2026-03-02T01:00:00Z', extra: ContainerModule[] = []): Promise<{ hub: Hub; clock: VirtualClock; channels: ReturnType<typeof storyChannels> }> {
  const clock = new VirtualClock(start)
  const channels = storyChannels(clock)
  const hub = await createHub({
    clock,
    modules: [profiles(), decisioning({ learning: { seed: 42 }, ...(process.env['DN_DEBUG'] ? { onDecision: (d) => console.log(explain(d).join('\n')) } : {}), ...options }), ...Object.values(channels).map((c) => recordingChannel(c)), ...extra],
  })
  // Dead letters mean a stage threw: a story test must never hide that.
  hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
  })
  await hub.start()
  return { hub, clock, channels }
}

/** What a story customer has: channels consented and reachable, traits. */
export interface StoryCustomer {
  readonly push?: boolean
  readonly line?: boolean
  readonly email?: boolean
  readonly inbox?: boolean
  readonly traits?: Record<string, unknown>
}

/** Creates a customer through the events a real hub would see. Returns the identity to publish with. */
export async function storyCustomer(hub: Hub, loyaltyId: string, c: StoryCustomer = {}): Promise<{ loyaltyId: string }> {
  const identity = { loyaltyId }
  const events: EventInput[] = [{ type: 'profile.traits_updated', source: 'system', identity, data: { traits: { timeZone: 'Asia/Tokyo', locale: 'ja-JP', ...c.traits } } }]
  if (c.push) {
    events.push({ type: 'push.token_registered', source: 'app', identity, data: { token: `tok-${loyaltyId}`, platform: 'ios' } })
    events.push({ type: 'consent.changed', source: 'app', identity, data: { channel: 'push', granted: true } })
  }
  if (c.line) events.push({ type: 'line.followed', source: 'line', identity: { ...identity, lineUserId: lineIdOf(loyaltyId) }, data: {} })
  if (c.email) {
    events.push({ type: 'identity.linked', source: 'web', identity: { ...identity, email: `${loyaltyId.toLowerCase()}@example.jp` }, data: {} })
    events.push({ type: 'consent.changed', source: 'web', identity, data: { channel: 'email', granted: true } })
  }
  if (c.inbox) events.push({ type: 'consent.changed', source: 'app', identity, data: { channel: 'inbox', granted: true } })
  for (const e of events) await hub.publish(e)
  await hub.drain()
  return identity
}

/** Every send of every channel, as `channel:actionId:customer`, in order per channel. */
export function sends(channels: Record<string, RecordingChannel>): string[] {
  return Object.values(channels).flatMap((c) => c.sent.map((s) => `${c.id}:${s.message.actionId}:${s.recipient.identifiers['loyaltyId']?.[0] ?? s.recipient.customerId}`))
}

/** A well-formed LINE user id for a story customer. */
export function lineIdOf(loyaltyId: string): string {
  return `U${createHash('md5').update(loyaltyId).digest('hex')}`
}
