import { afterEach, describe, expect, it } from 'vitest'
import type { Channel, OutboundMessage, Recipient } from '../ports/channel.js'

/** What a channel contract run needs. */
export interface ChannelFixture {
  /** The channel under test, ready to send. */
  readonly channel: Channel
  /** A recipient the provider accepts. */
  readonly recipient: Recipient
  /** A message the channel can send. Default: a plain text message. */
  readonly message?: OutboundMessage
  /** How many messages the provider (a local test server) really received. */
  readonly delivered: () => Promise<number>
  /** A recipient the provider refuses for good (blocked, unknown, revoked), if it can be staged. */
  readonly refusedRecipient?: Recipient
  /** Releases what the fixture opened. */
  readonly cleanup?: () => Promise<void>
}

/**
 * The Channel contract: the rules every channel keeps, ours or an integrator's. Run it against
 * a local stand-in of the provider, counting what the provider really receives.
 */
export function describeChannelContract(name: string, make: () => Promise<ChannelFixture>): void {
  describe(`Channel contract: ${name}`, () => {
    let fixture: ChannelFixture | undefined
    afterEach(async () => {
      await fixture?.cleanup?.()
      fixture = undefined
    })
    const message = (f: ChannelFixture): OutboundMessage => f.message ?? { actionId: 'contract-test', title: 'Hello', text: 'Contract test message' }

    it('has an id and capabilities', async () => {
      fixture = await make()
      expect(fixture.channel.id).toMatch(/^[a-z][a-z0-9_-]*$/)
      expect(typeof fixture.channel.capabilities).toBe('object')
    })

    it('delivers a message and says so', async () => {
      fixture = await make()
      const before = await fixture.delivered()
      const result = await fixture.channel.send(message(fixture), fixture.recipient, { idempotencyKey: 'contract-1' })
      expect(result.status).toBe('sent')
      expect(await fixture.delivered()).toBe(before + 1)
    })

    it('never delivers twice for one idempotency key', async () => {
      fixture = await make()
      const before = await fixture.delivered()
      const first = await fixture.channel.send(message(fixture), fixture.recipient, { idempotencyKey: 'contract-2' })
      const second = await fixture.channel.send(message(fixture), fixture.recipient, { idempotencyKey: 'contract-2' })
      expect(first.status).toBe('sent')
      expect(['sent', 'duplicate']).toContain(second.status)
      expect(await fixture.delivered()).toBe(before + 1)
    })

    it('reports a refused recipient as a permanent failure without throwing', async () => {
      fixture = await make()
      if (!fixture.refusedRecipient) {
        expect(fixture.refusedRecipient).toBeUndefined()
        return
      }
      const result = await fixture.channel.send(message(fixture), fixture.refusedRecipient, { idempotencyKey: 'contract-3' })
      expect(result.status).toBe('failed')
      expect(result.permanent).toBe(true)
      expect(typeof result.reason).toBe('string')
    })
  })
}
