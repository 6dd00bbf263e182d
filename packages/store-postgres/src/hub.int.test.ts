import { createHub, Tokens, type OmoEvent } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { profiles, ProfileTokens } from '@omotenashi/profile'
import { describe, expect } from 'vitest'
import { PgProfileStore } from './pg-profile-store.js'
import { postgresStore } from './postgres-store.js'
import { testDatabase } from './testing/index.js'

const test = await serviceTest('postgres')

describe('a hub on PostgreSQL', () => {
  test('profiles, merges, timers, dead letters and erasure live in the database and survive a new hub', async () => {
    const t = testDatabase('hub')
    try {
      const modules = () => [profiles({ defaultRegion: 'JP' }), postgresStore({ pool: t.pool, schema: t.schema, scheduler: { pollIntervalMs: 50 } })]
      const hub = await createHub({ modules: modules() })
      expect(hub.get(ProfileTokens.ProfileStore)).toBeInstanceOf(PgProfileStore)
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

      // A new hub (a restart) on the same database: same person, the timer fires now.
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

      const receipt = await again.erase({ identity: { loyaltyId: 'L-1001' } })
      expect(receipt.customerId).toBe(profileId)
      expect(receipt.removed['profiles']).toBeGreaterThanOrEqual(3)
      expect(await store.get(profileId!)).toBeUndefined()
      const left = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".profile_identifiers`)
      expect(left.rows[0].n).toBe(0)
      await again.stop()
    } finally {
      await t.drop()
    }
  })
})
