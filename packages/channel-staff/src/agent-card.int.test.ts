import { Tokens, type IdentityResolver, type OmoEvent, type PullDecider, type PullRequest } from '@omotenashi/core'
import { MemoryProfileStore, ProfileTokens } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { afterEach, describe, expect, it } from 'vitest'
import { startStaffHub, TEST_API_KEY, type StaffHub } from './test-fixtures.js'


/** A bank customer who read card-loan pages, known by phone. */
async function bankCustomer(store: MemoryProfileStore): Promise<string> {
  const { profileId } = await store.resolve({ phone: '+81312345678', loyaltyId: 'B-77' })
  const event = (id: string, type: string, data: Record<string, unknown>): OmoEvent => ({
    id, type, source: 'web', time: '2026-03-01T09:00:00.000Z', identity: { customerId: profileId! }, data,
  })
  await store.apply(profileId!, event('e1', 'profile.traits_updated', { traits: { displayName: 'Ichiro Suzuki', tier: 'gold' } }))
  await store.apply(profileId!, event('e2', 'page.viewed', { path: '/card-loan' }))
  return profileId!
}

function profileModule(store: MemoryProfileStore): ContainerModule {
  const resolver: IdentityResolver = { resolve: async (identity, options) => (await store.resolve(identity, options)).profileId }
  return new ContainerModule(({ bind }) => {
    bind(ProfileTokens.ProfileStore).toConstantValue(store)
    bind(Tokens.IdentityResolver).toConstantValue(resolver)
  })
}

/** A stand-in for `@omotenashi/decisioning`'s pull decider (built concurrently). */
function loanDecider(store: MemoryProfileStore, asked: PullRequest[]): ContainerModule {
  const decider: PullDecider = {
    async decide(request) {
      asked.push(request)
      const customerId = (await store.resolve(request.identity, { create: false })).profileId ?? 'unknown'
      const message = { actionId: 'offer-card-loan', text: 'Offer the card loan: they read its pages this week', content: { staff: { avoid: 'Do not push the premium card' } } }
      return {
        decision: { id: 'pull-1', at: '2026-03-01T10:00:00.000Z', customerId, trigger: `placement:${request.placement}`, placement: request.placement, candidates: [], actions: [] },
        actions: [{ actionId: 'offer-card-loan', score: 0.82, message, reasons: ['viewed /card-loan 1 time in 7 days'] }],
        profile: { tier: 'gold' },
      }
    },
  }
  return new ContainerModule(({ bind }) => void bind(Tokens.PullDecider).toConstantValue(decider))
}

describe('call-centre card', () => {
  let env: StaffHub | undefined
  afterEach(async () => {
    await env?.stop()
    env = undefined
  })
  const get = (path: string, key = TEST_API_KEY) => fetch(`${env!.url}${path}`, { headers: key ? { 'x-api-key': key } : {} })

  it('shows the profile card and the next best action for a phone number, with the reasons', async () => {
    const store = new MemoryProfileStore()
    const customerId = await bankCustomer(store)
    const asked: PullRequest[] = []
    env = await startStaffHub({ modules: [profileModule(store), loanDecider(store, asked)] })
    const response = await get('/staff/agent/card?phone=%2B81312345678')
    expect(response.status).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      card: {
        customerId,
        actionId: 'offer-card-loan',
        decisionId: 'pull-1',
        suggestion: 'Offer the card loan: they read its pages this week',
        avoid: ['Do not push the premium card'],
        customer: { name: 'Ichiro Suzuki', tier: 'gold', loyaltyId: 'B-77' },
        online: [{ type: 'page.viewed' }],
        profileMissing: false,
      },
      decision: { id: 'pull-1', actions: [{ actionId: 'offer-card-loan', score: 0.82, reasons: ['viewed /card-loan 1 time in 7 days'] }] },
      profile: { tier: 'gold' },
    })
    expect(asked).toEqual([{ identity: { phone: '+81312345678' }, placement: 'callcenter.agent', context: { channel: 'staff' } }])
  })

  it('shows the profile card alone when no decider is installed', async () => {
    const store = new MemoryProfileStore()
    await bankCustomer(store)
    env = await startStaffHub({ modules: [profileModule(store)] })
    const body = (await (await get('/staff/agent/card?loyaltyId=B-77')).json()) as { card: Record<string, unknown>; decision?: unknown }
    expect(body.card).toMatchObject({ actionId: 'none', customer: { tier: 'gold' }, profileMissing: false })
    expect(body.card['suggestion']).toBeUndefined()
    expect(body.decision).toBeUndefined()
  })

  it('needs the decide scope, an identifier, and a known customer', async () => {
    env = await startStaffHub({ modules: [profileModule(new MemoryProfileStore())] })
    expect((await get('/staff/agent/card?phone=%2B81312345678', '')).status).toBe(401)
    expect((await get('/staff/agent/card?phone=%2B81312345678', 'wrong')).status).toBe(401)
    const badPhone = await get('/staff/agent/card?phone=%2B8131')
    expect(badPhone.status).toBe(400)
    expect(((await badPhone.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['identity.phone'])
    const none = await get('/staff/agent/card')
    expect(none.status).toBe(400)
    const bad = await get('/staff/agent/card?bad-kind=1')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['bad-kind'])
    expect((await get('/staff/agent/card?phone=%2B81398765432')).status).toBe(404)
  })
})
