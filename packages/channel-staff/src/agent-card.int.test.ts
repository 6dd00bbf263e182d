import { Tokens, type IdentityResolver, type OmoEvent, type PipelineContext, type PullRequest } from '@omotenashi/core'
import { MemoryProfileStore, ProfileTokens } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { afterEach, describe, expect, it } from 'vitest'
import { loanDecider, startStaffHub, TEST_API_KEY, type StaffHub } from './test-fixtures.js'


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
    env = await startStaffHub({ modules: [profileModule(store), loanDecider(asked)] })
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

  it("records the agent's outcome as offer.responded, once per outcomeId, and refuses bad ones", async () => {
    const store = new MemoryProfileStore()
    const customerId = await bankCustomer(store)
    env = await startStaffHub({ modules: [profileModule(store), loanDecider()] })
    const responded: OmoEvent[] = []
    env.hub.hooks.on('event.processed', (ctx: PipelineContext) => void (ctx.event.type === 'offer.responded' && responded.push(ctx.event)))
    const post = (body: unknown, key = TEST_API_KEY) =>
      fetch(`${env!.url}/staff/agent/outcome`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }, body: JSON.stringify(body) })
    const outcome = { customerId, actionId: 'offer-card-loan', decisionId: 'pull-1', response: 'accepted', agentId: 'agent-7', outcomeId: 'o1' }
    expect((await post(outcome, '')).status).toBe(401)
    const raw = (body: string) => fetch(`${env!.url}/staff/agent/outcome`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY }, body })
    const notJson = await raw('{"customerId":')
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'body must be JSON' }])
    const tooLarge = await raw(JSON.stringify({ ...outcome, note: 'x'.repeat(20_000) }))
    expect([tooLarge.status, await tooLarge.json()]).toEqual([413, { error: 'body too large' }])
    const bad = await post({ ...outcome, response: 'maybe', customerId: '' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort()).toEqual(['customerId', 'response'])
    expect((await post(outcome)).status).toBe(202)
    expect((await post(outcome)).status).toBe(202)
    await env.hub.drain()
    expect(responded).toHaveLength(1)
    expect(responded[0]).toMatchObject({
      source: 'callcenter',
      identity: { customerId },
      causationId: 'pull-1',
      data: { actionId: 'offer-card-loan', decisionId: 'pull-1', response: 'accepted', channel: 'staff', agentId: 'agent-7' },
    })
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
