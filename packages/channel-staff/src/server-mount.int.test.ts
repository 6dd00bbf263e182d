import type { AddressInfo } from 'node:net'
import { createHub, type Hub } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { staffChannel, StaffTokens } from './staff-module.js'
import { checkInDecider, loanDecider, TEST_SECRET } from './test-fixtures.js'
import { connectStaffClient, StaffFeedRefused, type StaffTestClient } from './testing/index.js'

describe('mounted by @omotenashi/server (Fastify)', () => {
  let hub: Hub | undefined
  let app: FastifyInstance | undefined
  const clients: StaffTestClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await hub?.stop()
    await app?.close()
    hub = app = undefined
  })

  it('serves the feed, the console and the call-centre card behind its API keys', async () => {
    hub = await createHub({ modules: [profiles(), checkInDecider(), loanDecider(), staffChannel({ stores: ['shibuya', 'umeda'], secret: TEST_SECRET })] })
    await hub.start()
    const key = 'agent-key-0123456789'
    app = await omotenashiServer(hub, { logger: false, apiKeys: [{ name: 'agents', sha256: hashApiKey(key), scopes: ['decide'] }] })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const staff = hub.get(StaffTokens.Staff)

    // The device token, not an API key, opens the staff feed.
    const refused = await connectStaffClient(url, undefined, { store: 'shibuya' }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(StaffFeedRefused)
    expect((refused as StaffFeedRefused).status).toBe(401)
    const a = await connectStaffClient(url, staff.issueToken({ staffId: 'sato', storeIds: ['shibuya'] }))
    const b = await connectStaffClient(url, staff.issueToken({ staffId: 'kato', storeIds: ['umeda'] }))
    clients.push(a, b)
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001', phone: '+81312345678' }, storeId: 'shibuya' })
    const { card } = await a.waitFor('card', undefined, 1_000)
    expect(card.suggestion).toBe('Ask how the coat bought last week fits')
    a.send({ type: 'ack', cardId: card.id, outcome: 'served', requestId: 'r' })
    expect(await a.waitFor('ack.result')).toMatchObject({ ok: true })
    expect(b.messages.filter((m) => m.type === 'card')).toEqual([])

    const page = await fetch(`${url}/staff/console`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script src="console.js">')

    expect((await fetch(`${url}/staff/agent/card?loyaltyId=L-1001`)).status).toBe(401)
    const agent = await fetch(`${url}/staff/agent/card?loyaltyId=L-1001`, { headers: { 'x-api-key': key } })
    expect(agent.status).toBe(200)
    expect(await agent.json()).toMatchObject({ card: { customerId: card.customerId, actionId: 'offer-card-loan', customer: { loyaltyId: 'L-1001' } } })
  })
})
