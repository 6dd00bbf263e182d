import { readFileSync } from 'node:fs'
import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { hubWithProfiles } from './docs/hub-profiles.js'
import { identityRules } from './docs/identity-rules.js'
import { reducerAndTraits } from './docs/reducer-and-traits.js'

// The snippets in docs/profiles.md and the README are these files; this test runs them and checks
// that the guide still shows them verbatim.
const guide = readFileSync(new URL('../../../docs/profiles.md', import.meta.url), 'utf8')
const snippet = (file: string): string =>
  readFileSync(new URL(`./docs/${file}`, import.meta.url), 'utf8').split('\n').slice(1).join('\n').trim()

describe('docs/profiles.md', () => {
  it('shows the snippets as they are', () => {
    for (const file of ['hub-profiles.ts', 'identity-rules.ts', 'reducer-and-traits.ts']) expect(guide, file).toContain(snippet(file))
  })

  it('a hub with profiles: merges, consent, computed traits, the interest index and erasure', async () => {
    const { profile, traits, audience, receipt } = await hubWithProfiles()
    expect(Object.keys(profile.identifiers).sort()).toEqual(['anonymousId', 'email', 'loyaltyId'])
    expect(profile.mergedFrom).toHaveLength(1)
    expect(profile.consent['line']?.['*']?.granted).toBe(true)
    expect(profile.reachability['line']?.reachable).toBe(true)
    expect(profile.timeZone).toBe('Asia/Tokyo')
    expect(profile.interests['COAT-1']).toEqual({ viewed: '2026-03-01T01:00:00.000Z', tried_on: '2026-03-01T01:00:00.000Z' })
    expect(traits).toEqual({ purchases_90d: 0, lastStoreVisitAt: '2026-03-01T01:00:00.000Z' })
    expect(audience).toEqual([profile.id])
    expect(receipt.customerId).toBe(profile.id)
    expect(receipt.removed['profiles']).toBeGreaterThan(0)
  })

  it('identity rules: normalisation, blocked values, unique kinds, malformed identifiers', async () => {
    const { a, b, c, d, error } = await identityRules()
    expect(b.profileId).toBe(a.profileId)
    expect(c.refused.map((r) => r.kind)).toEqual(['anonymousId'])
    expect(d.merges).toEqual([])
    expect(d.refused.map((r) => r.kind)).toEqual(['phone'])
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues[0]?.path).toBe('identity.email')
  })

  it('the reducer and computed traits', () => {
    const { profile, traits } = reducerAndTraits()
    expect(profile.interests).toEqual({ 'BAG-1': { purchased: '2025-12-20T03:00:00.000Z' }, 'TEE-9': { purchased: '2026-03-20T03:00:00.000Z' } })
    expect(profile.consent['email']?.['marketing']?.granted).toBe(false)
    expect(profile.reachability['push']).toMatchObject({ reachable: false, reason: 'token expired' })
    expect(traits).toEqual({ purchases_90d: 1, avgBasket: 20000, stores_365d: 2 })
  })
})
