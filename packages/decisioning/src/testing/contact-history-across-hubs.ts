import { RecordingChannel, VirtualClock, createHub, recordingChannel } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import type { ContainerModule } from 'inversify'
import { describe, expect, it } from 'vitest'
import { decisioning } from '../module.js'

/** What {@link describeContactHistoryAcrossHubs} needs: store modules over one shared backing store. */
export interface SharedStoreUnderTest {
  /**
   * Fresh store module(s) for one hub, over the same database every call (called once per hub).
   * They must bind the ProfileStore and the ContactHistory.
   */
  readonly modules: () => ContainerModule[]
  /** Drops what the test made. */
  readonly cleanup: () => Promise<void>
}

/**
 * Checks that a store's ContactHistory is shared: a customer capped at one message by one hub
 * gets none from another hub (a second worker, or the same one restarted) on the same store.
 * With the in-memory history the second hub would send again, so the test fails there.
 */
export function describeContactHistoryAcrossHubs(name: string, make: () => SharedStoreUnderTest | Promise<SharedStoreUnderTest>): void {
  describe(`ContactHistory across hubs: ${name}`, () => {
    it('a cap reached on one hub holds on another hub on the same store', async () => {
      const shared = await make()
      const clock = new VirtualClock('2026-03-02T01:00:00Z')
      const identity = { loyaltyId: 'L-cap' }
      const hubOn = async (push: RecordingChannel) => {
        const hub = await createHub({
          clock,
          modules: [
            profiles(),
            decisioning({
              actions: [{ id: 'welcome', channels: ['push'], maxPerCustomer: 1, content: { default: { title: 'Welcome' } } }],
              rules: [{ id: 'arrived', when: { event: 'geofence.entered' }, do: { action: 'welcome' } }],
            }),
            recordingChannel(push),
            ...shared.modules(),
          ],
        })
        await hub.start()
        return hub
      }
      try {
        const first = new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now: () => clock.now() })
        const one = await hubOn(first)
        for (const event of [
          { type: 'push.token_registered', source: 'app', identity, data: { token: 'tok-cap', platform: 'ios' } },
          { type: 'consent.changed', source: 'app', identity, data: { channel: 'push', granted: true } },
          { type: 'geofence.entered', source: 'app', identity, data: { geofenceId: 'g' } },
        ]) {
          await one.publish(event)
          await one.drain()
        }
        await one.stop()
        expect(first.sent.map((s) => s.message.actionId)).toEqual(['welcome'])

        await clock.advance(86_400_000)
        const second = new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now: () => clock.now() })
        const two = await hubOn(second)
        await two.publish({ type: 'geofence.entered', source: 'app', identity, data: { geofenceId: 'g' } })
        await two.drain()
        await two.stop()
        expect(second.sent).toEqual([])
      } finally {
        await shared.cleanup()
      }
    })
  })
}
