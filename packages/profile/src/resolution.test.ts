import { describe, expect, it } from 'vitest'
import { identifierKey } from './identifier-rules.js'
import { createProfile, withIdentifiers } from './merge.js'
import type { Profile } from './profile.js'
import { ProfileRules } from './profile-rules.js'
import { planResolution, type ResolutionState } from './resolution.js'

const rules = new ProfileRules()
const at = (m: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + m * 60_000).toISOString()

function profile(id: string, created: number, ids: Record<string, string>): Profile {
  const p = createProfile(id, at(created), rules)
  return { ...p, identifiers: withIdentifiers(p.identifiers, Object.entries(ids).map(([kind, value]) => ({ kind, value })), at(created), rules).identifiers }
}

function state(...profiles: Profile[]): ResolutionState {
  const owners = new Map<string, string>()
  for (const p of profiles) for (const [kind, records] of Object.entries(p.identifiers)) for (const r of records) owners.set(identifierKey(kind, r.value), p.id)
  return { owners, profiles: new Map(profiles.map((p) => [p.id, p])) }
}

const options = (m: number) => ({ create: true, at: at(m), newId: () => 'new-id' })

describe('planResolution', () => {
  it('makes a new customer id another name of the profile its identifiers lead to (an anonymous visitor signs in)', () => {
    const anonymous = profile('p-1', 1, { anonymousId: 'anon-1' })
    const identity = rules.identifiers.normalise({ customerId: 'web-u1', anonymousId: 'anon-1' })
    const plan = planResolution(identity, state(anonymous), rules, options(5))
    expect(plan.result).toMatchObject({ profileId: 'p-1', created: false })
    expect(plan.aliases).toEqual(['web-u1'])
    expect(plan.write?.mergedFrom).toEqual(['web-u1'])
    expect(plan.write?.version).toBe(2)
    // An id that already names the profile is not an alias of itself.
    const again = planResolution(rules.identifiers.normalise({ customerId: 'p-1', anonymousId: 'anon-1' }), state(anonymous), rules, options(6))
    expect(again.aliases).toEqual([])
  })

  it('plans a merge: survivor, deleted ids, keys to re-point, aliases, versions read', () => {
    const a = { ...profile('a', 1, { anonymousId: 'x' }), mergedFrom: ['older'] }
    const b = profile('b', 2, { email: 'e@example.jp' })
    const identity = rules.identifiers.normalise({ anonymousId: 'x', email: 'e@example.jp', phone: '03-1234-5678' })
    const plan = planResolution(identity, state(a, b), rules, options(5))
    expect(plan.result).toEqual({ profileId: 'b', created: false, merges: [{ survivorId: 'b', mergedIds: ['a'], reason: 'linked by anonymousId' }], refused: [] })
    expect(plan.deleted).toEqual(['a'])
    expect(plan.aliases).toEqual(['a', 'older'])
    expect([...plan.link].sort()).toEqual(['anonymousId:x', 'email:e@example.jp', 'phone:+81312345678'])
    expect(plan.unlink).toEqual([])
    expect(plan.read).toEqual(new Map([['a', 1], ['b', 1]]))
    expect(plan.write?.version).toBe(2)
    expect(plan.write?.mergedFrom).toEqual(['a', 'older'])
  })

  it('decides the same whatever order the store read things in', () => {
    const a = profile('a', 1, { anonymousId: 'x' })
    const b = profile('b', 1, { kioskId: 'k' })
    const c = profile('c', 1, { cardNo: 'n' })
    const identity = rules.identifiers.normalise({ anonymousId: 'x', kioskId: 'k', cardNo: 'n' })
    const one = planResolution(identity, state(a, b, c), rules, options(5))
    const two = planResolution(identity, state(c, b, a), rules, options(5))
    expect(two.write).toEqual(one.write)
    expect(two.result).toEqual(one.result)
    // b and c outrank a (custom kinds 50 > anonymousId 10); same rank and age: the smaller id survives.
    expect(one.result.profileId).toBe('b')
    expect(one.result.merges[0]?.mergedIds).toEqual(['a', 'c'])
  })

  it('writes nothing for a sighting within the lastSeen granularity, and touches it after', () => {
    const a = profile('a', 1, { email: 'e@example.jp' })
    const identity = rules.identifiers.normalise({ email: 'e@example.jp' })
    const soon = planResolution(identity, state(a), rules, { ...options(1), at: new Date(Date.parse(at(1)) + 59_000).toISOString() })
    expect(soon.write).toBeUndefined()
    const later = planResolution(identity, state(a), rules, options(3))
    expect(later.write?.identifiers['email']?.[0]).toMatchObject({ firstSeen: at(1), lastSeen: at(3) })
    expect(later.link).toEqual([])
    const everySighting = new ProfileRules({ lastSeenGranularity: '0s' })
    expect(planResolution(identity, state(a), everySighting, { ...options(1), at: new Date(Date.parse(at(1)) + 1).toISOString() }).write).toBeDefined()
  })

  it('is read-only with create: false', () => {
    const a = profile('a', 1, { email: 'e@example.jp' })
    const plan = planResolution(rules.identifiers.normalise({ email: 'e@example.jp', phone: '03-1234-5678' }), state(a), rules, { ...options(9), create: false })
    expect(plan.result.profileId).toBe('a')
    expect(plan.write).toBeUndefined()
    expect(plan.link).toEqual([])
  })
})
