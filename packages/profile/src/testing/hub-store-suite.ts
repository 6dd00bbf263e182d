import { createHub, Tokens, type OmoEvent } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import { describe, expect, it } from 'vitest'
import { profiles } from '../profiles-module.js'
import { ProfileTokens } from '../tokens.js'

/** What {@link describeHubOnStoreSuite} needs: a store module on one fresh storage. */
export interface HubOnStoreSetup {
  /** The store's module (profiles, scheduler, dead letters…) on the suite's storage; called once per hub. */
  readonly storeModule: () => ContainerModule
  /** The ProfileStore class the module binds (checked, so the suite never passes on the memory default). */
  readonly profileStoreClass: abstract new (...args: never[]) => unknown
  /** How many of these identifier keys (`kind:value`) the storage's identifier index holds. */
  readonly indexed: (keys: readonly string[]) => Promise<number>
  /** Drops the storage. */
  readonly cleanup: () => Promise<void>
}

/**
 * A whole hub on a shared store: profiles, merges, timers, dead letters and erasure live in the
 * storage and survive a new hub (a restart). Every store module that binds the ProfileStore and
 * core's ports runs it; `setup` is called once, for the one test.
 */
export function describeHubOnStoreSuite(name: string, setup: () => Promise<HubOnStoreSetup> | HubOnStoreSetup): void {
  describe(`a hub on ${name}`, () => {
    it(`profiles, merges, timers, dead letters and erasure live in ${name} and survive a new hub`, async () => {
      const s = await setup()
      try {
        const modules = () => [profiles({ defaultRegion: 'JP' }), s.storeModule()]
        const hub = await createHub({ modules: modules() })
        expect(hub.get(ProfileTokens.ProfileStore)).toBeInstanceOf(s.profileStoreClass)
        await hub.start()
        const fired: OmoEvent[] = []
        hub.hooks.on('event.processed', (ctx) => {
          if (ctx.event.type === 'timer.fired') fired.push(ctx.event)
        })
        await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya' })
        await hub.publish({ type: 'page.viewed', source: 'web', identity: { anonymousId: 'anon-1' }, data: { path: '/coats' } })
        // Links the anonymous visitor to the loyalty member: one person from now on.
        await hub.publish({ type: 'page.viewed', source: 'web', identity: { anonymousId: 'anon-1', loyaltyId: 'L-1001' }, data: { path: '/cart' } })
        // A malformed phone passes the envelope but fails identification: kept as a dead letter.
        await hub.publish({ type: 'page.viewed', source: 'web', identity: { phone: 'call me maybe' }, data: {} })
        await hub.drain()
        const [letter] = await hub.deadLetters()
        expect(letter?.stage).toBe('identify')
        const scheduler = hub.get(Tokens.Scheduler)
        const { profileId } = await hub.get(ProfileTokens.ProfileStore).resolve({ loyaltyId: 'L-1001' }, { create: false })
        expect(profileId).toBeTypeOf('string')
        await scheduler.schedule({
          id: 'ask-how-it-was',
          at: Date.now() + 150,
          customerId: profileId!,
          event: { type: 'timer.fired', source: 'system', identity: { customerId: profileId! }, data: { timerId: 'ask-how-it-was', purpose: 'survey' } },
        })
        await hub.stop()

        // A new hub (a restart) on the same storage: same person, the timer fires now.
        const again = await createHub({ modules: modules() })
        again.hooks.on('event.processed', (ctx) => {
          if (ctx.event.type === 'timer.fired') fired.push(ctx.event)
        })
        await again.start()
        const store = again.get(ProfileTokens.ProfileStore)
        const profile = await store.get(profileId!)
        expect(profile?.identifiers['anonymousId']?.map((r) => r.value)).toEqual(['anon-1'])
        expect(profile?.activity.filter((a) => a.type === 'store.checked_in')).toHaveLength(1)
        expect(profile?.activity.filter((a) => a.type === 'page.viewed')).toHaveLength(2)
        expect(await again.deadLetters()).toHaveLength(1)
        const deadline = Date.now() + 10_000
        while (fired.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
        await again.drain()
        expect(fired.map((e) => [e.id, e.identity.customerId])).toEqual([['timer:ask-how-it-was', profileId]])
        expect(await again.get(Tokens.Scheduler).list(profileId!)).toEqual([])

        const keys = ['loyaltyId:L-1001', 'anonymousId:anon-1']
        expect(await s.indexed(keys)).toBe(2)
        const receipt = await again.erase({ identity: { loyaltyId: 'L-1001' } })
        expect(receipt.customerId).toBe(profileId)
        expect(receipt.removed['profiles']).toBeGreaterThanOrEqual(3)
        expect(await store.get(profileId!)).toBeUndefined()
        expect(await s.indexed(keys)).toBe(0)
        await again.stop()
      } finally {
        await s.cleanup()
      }
    })
  })
}
