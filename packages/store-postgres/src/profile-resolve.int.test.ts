import { setTimeout as sleep } from 'node:timers/promises'
import { isReachable, SERVICE_PORTS, servicesRequired } from '@omotenashi/core/testing'
import { ProfileRules } from '@omotenashi/profile'
import { describe, expect, it } from 'vitest'
import { PgDatabase } from './database.js'
import { PgProfileStore } from './pg-profile-store.js'
import { testDatabase } from './testing/index.js'

const up = (await isReachable(SERVICE_PORTS.postgres)) || servicesRequired

/** What `promise` has done after `ms`: its value, or 'still waiting'. */
const after = <T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> => Promise.race([promise, sleep(ms, 'still waiting' as const)])

// The contract suite shows that resolve answers the same either way; this shows which way it
// went: a transaction elsewhere holds the customer's row, which the locking path must wait for
// (SELECT … FOR UPDATE) and a plain read does not.
describe.skipIf(!up)('PgProfileStore.resolve with nothing to write', () => {
  it('answers from one unlocked read, and waits for the row lock only when it has something to write', async () => {
    const t = testDatabase('profile_resolve')
    const store = new PgProfileStore(new PgDatabase({ pool: t.pool, schema: t.schema }), { rules: new ProfileRules({ lastSeenGranularity: '1m' }) })
    const holder = await t.pool.connect()
    let holding = false
    try {
      await store.init()
      const identity = { customerId: 'c1', email: 'hana@example.com' }
      expect((await store.resolve(identity, { at: '2026-03-01T10:00:00.000Z' })).created).toBe(true)
      await holder.query('BEGIN')
      holding = true
      expect((await holder.query(`SELECT id FROM "${t.schema}".profiles WHERE id = $1 FOR UPDATE`, ['c1'])).rowCount).toBe(1)

      // The same identity 30 s later: within lastSeen's granularity, so nothing to write.
      const same = await after(store.resolve(identity, { at: '2026-03-01T10:00:30.000Z' }), 3_000)
      expect(same).toEqual({ profileId: 'c1', created: false, merges: [], refused: [] })

      // Five minutes later the email's lastSeen moves: that is a write, so it waits for the row.
      const moved = store.resolve(identity, { at: '2026-03-01T10:05:00.000Z' })
      expect(await after(moved, 500)).toBe('still waiting')
      await holder.query('ROLLBACK')
      holding = false
      expect(await moved).toEqual({ profileId: 'c1', created: false, merges: [], refused: [] })
      const version = (await store.get('c1'))?.version
      // And a new identifier links under the lock too (one more version).
      await store.resolve({ customerId: 'c1', phone: '+81 90 1234 5678' }, { at: '2026-03-01T10:05:10.000Z' })
      expect((await store.get('c1'))?.version).toBe((version ?? 0) + 1)
    } finally {
      if (holding) await holder.query('ROLLBACK')
      holder.release()
      await t.drop()
    }
  })

  it('splices the locked read into its BEGIN with the values escaped (quotes, backslashes, non-ASCII)', async () => {
    const t = testDatabase('profile_resolve_literals')
    const store = new PgProfileStore(new PgDatabase({ pool: t.pool, schema: t.schema }), { rules: new ProfileRules() })
    try {
      await store.init()
      const odd = { customerId: `c'1\\'); DROP TABLE x; --`, email: "o'brien@example.com", loyaltyId: "L\\'花子" }
      const created = await store.resolve(odd, { at: '2026-03-01T10:00:00.000Z' })
      expect(created).toMatchObject({ profileId: odd.customerId, created: true })
      // The email alone finds the same profile, and a new phone links to it (a write: the locking path again).
      expect((await store.resolve({ email: odd.email }, { at: '2026-03-01T10:00:10.000Z' })).profileId).toBe(odd.customerId)
      await store.resolve({ loyaltyId: odd.loyaltyId, phone: '090-1234-5678' }, { at: '2026-03-01T10:00:20.000Z' })
      const profile = await store.get(odd.customerId)
      expect(profile?.identifiers['loyaltyId']?.map((i) => i.value)).toEqual([odd.loyaltyId])
      expect(profile?.identifiers['phone']).toHaveLength(1)
    } finally {
      await t.drop()
    }
  })
})
