import { createHmac } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { verifyLineSignature } from '@omotenashi/channel-line'
import { Tokens } from '@omotenashi/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkGuide } from './check-snippets.js'
import { consent, erase, securedServer, securityHub } from './snippets/security-hub.js'
import { verifySignature } from './snippets/security-signature.js'

const KEYS = { WEB_TRACKER_KEY: 'wt_4f9a2c7e1b8d6f3a0c5e9b2d7f1a4c8e', CRM_KEY: 'crm_9b3e7a1c5f2d8b6e0a4c9f3b7e1d5a2c', PRIVACY_KEY: 'dpo_2c6a0e4b8f1d5c9a3e7b1f5d9c3a7e1b' }

describe('docs: security and privacy', () => {
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
  })

  it('quotes every snippet exactly, and every code block is a snippet this test runs', () => {
    const report = checkGuide('security')
    expect(report.unexecuted.map((f) => `line ${f.line}: ${f.body.slice(0, 60)}`)).toEqual([])
    expect(report.unquoted).toEqual([])
  })

  it('verifies webhook signatures on the raw bytes, refusing tampering, wrong lengths and garbage without throwing', () => {
    const secret = 'whsec_local_test'
    const body = Buffer.from('{"orderId":"o-1","status":"ready"}')
    const good = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
    expect(verifySignature(body, good, secret)).toBe(true)
    expect(verifySignature(body, good.toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true)
    expect(verifySignature(Buffer.from('{"orderId":"o-1","status":"paid"}'), good, secret)).toBe(false)
    expect(verifySignature(body, good, 'another-secret')).toBe(false)
    expect(verifySignature(body, good.slice(0, -2), secret)).toBe(false) // shorter: no throw
    expect(verifySignature(body, `${good}00`, secret)).toBe(false) // longer: no throw
    expect(verifySignature(body, undefined, secret)).toBe(false)
    expect(verifySignature(body, 'sha256=', secret)).toBe(false)
    // The LINE channel's own check, used by its webhook, behaves the same way.
    const line = createHmac('sha256', secret).update(body).digest('base64')
    expect(verifyLineSignature(body, line, secret)).toBe(true)
    expect(verifyLineSignature(Buffer.from('{}'), line, secret)).toBe(false)
    expect(verifyLineSignature(body, 'AAAA', secret)).toBe(false)
  })

  it('API keys: each key may do only what its scopes allow; logs hold no key and no personal data', async () => {
    for (const [k, v] of Object.entries(KEYS)) vi.stubEnv(k, v)
    const { hub } = await securityHub()
    const logs = new PassThrough()
    let logged = ''
    logs.on('data', (chunk: Buffer) => (logged += chunk.toString()))
    const app = await securedServer(hub, logs)
    const event = { type: 'store.checked_in', source: 'web', identity: { email: 'aiko@example.jp', phone: '+81312345678' }, storeId: 'shibuya' }
    const as = (key: string | undefined) => (key === undefined ? {} : { 'x-api-key': key })
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: as(undefined), payload: event })).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: as('guessed-key'), payload: event })).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: as(KEYS.WEB_TRACKER_KEY), payload: event })).statusCode).toBe(200)
    await hub.drain()
    const customerId = (await hub.get(Tokens.IdentityResolver).resolve({ email: 'aiko@example.jp' }, { create: false }))!
    // The web tracker's key can send events, not read profiles; the CRM's can read, not erase.
    expect((await app.inject({ method: 'GET', url: `/v1/profiles/${customerId}`, headers: as(KEYS.WEB_TRACKER_KEY) })).statusCode).toBe(403)
    expect((await app.inject({ method: 'GET', url: `/v1/profiles/${customerId}`, headers: as(KEYS.CRM_KEY) })).statusCode).toBe(200)
    expect((await app.inject({ method: 'DELETE', url: `/v1/profiles/${customerId}`, headers: as(KEYS.CRM_KEY) })).statusCode).toBe(403)
    // Export (an access request) with a read key: profile, decisions, inbox.
    const exported = await app.inject({ method: 'GET', url: `/v1/profiles/${customerId}/export`, headers: as(KEYS.CRM_KEY) })
    expect(exported.statusCode).toBe(200)
    expect(Object.keys(exported.json())).toEqual(expect.arrayContaining(['decisions', 'inbox']))
    expect(JSON.stringify(exported.json())).toContain('aiko@example.jp')
    // Erasure with the privacy office's admin key.
    const erased = await app.inject({ method: 'DELETE', url: `/v1/profiles/${customerId}`, headers: as(KEYS.PRIVACY_KEY) })
    expect(erased.statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: `/v1/profiles/${customerId}`, headers: as(KEYS.CRM_KEY) })).statusCode).toBe(404)
    await app.close()
    await hub.stop()
    // Requests were logged (so the check below means something), without keys or identifiers.
    expect(logged).toMatch(/"statusCode":403/)
    for (const secret of [...Object.values(KEYS), 'aiko@example.jp', '+81312345678', customerId]) expect(logged).not.toContain(secret)
  })

  it('consent per channel and purpose: marketing withdrawn → nothing by email, service still allowed; an opt-out applies at once', async () => {
    const { hub, email, clock } = await securityHub()
    await consent(hub)
    const aiko = { loyaltyId: 'L-1001' }
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: aiko, storeId: 'shibuya' })
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: aiko, storeId: 'shibuya', data: { transactionId: 't1', items: [{ sku: 'X', quantity: 1, unitPrice: 10 }], total: 10, currency: 'JPY' } })
    await hub.drain()
    const customerId = (await hub.get(Tokens.IdentityResolver).resolve(aiko, { create: false }))!
    // The welcome (marketing) went to the in-app inbox, not by email.
    expect(email.sent).toEqual([])
    expect((await hub.get(Tokens.InboxStore).list(customerId, { now: new Date(clock.now()).toISOString() })).map((m) => m.actionId)).toEqual(['welcome'])
    // The service message a day later may use email.
    await clock.advance(86_400_000 + 1)
    await hub.drain()
    expect(email.sent.map((s) => s.message.actionId)).toEqual(['receipt-survey'])
    // Withdrawn for service too: the next one is not sent.
    await hub.publish({ type: 'consent.changed', source: 'web', identity: aiko, data: { channel: 'email', purpose: 'service', granted: false } })
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: aiko, storeId: 'shibuya', data: { transactionId: 't2', items: [{ sku: 'Y', quantity: 1, unitPrice: 10 }], total: 10, currency: 'JPY' } })
    await hub.drain()
    await clock.advance(86_400_000 + 1)
    await hub.drain()
    expect(email.sent).toHaveLength(1)
    const [last] = await hub.get(Tokens.DecisionLog).list(customerId, { limit: 1 })
    expect(last!.candidates[0]).toMatchObject({ status: 'blocked', policy: 'consent' })
    await hub.stop()
  })

  it('erases a customer everywhere: profile, identifiers, timers, decisions, inbox, contact history, model', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const { hub, email, clock } = await securityHub()
    await consent(hub)
    const aiko = { loyaltyId: 'L-1001' }
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: aiko, storeId: 'shibuya' })
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: aiko, storeId: 'shibuya', data: { transactionId: 't1', items: [{ sku: 'X', quantity: 1, unitPrice: 10 }], total: 10, currency: 'JPY' } })
    await hub.drain()
    const customerId = (await hub.get(Tokens.IdentityResolver).resolve(aiko, { create: false }))!
    const receipt = await erase(hub)
    expect(receipt.customerId).toBe(customerId)
    expect(log).toHaveBeenCalledWith(receipt.removed)
    expect(receipt.removed).toMatchObject({ scheduler: 1, decisionLog: 2, inbox: 1, contactHistory: 1, responseModel: 1 })
    expect(receipt.removed['profiles']).toBeGreaterThan(0)
    // Nothing is left to find by any identifier, and the pending survey never goes out.
    for (const identity of [aiko, { email: 'aiko@example.jp' }]) expect(await hub.get(Tokens.IdentityResolver).resolve(identity, { create: false })).toBeUndefined()
    expect(await hub.get(Tokens.DecisionLog).list(customerId)).toEqual([])
    expect(await hub.get(Tokens.InboxStore).list(customerId)).toEqual([])
    expect(await hub.get(Tokens.Scheduler).list(customerId)).toEqual([])
    await clock.advance(2 * 86_400_000)
    await hub.drain()
    expect(email.sent).toEqual([])
    // Erasing again finds nobody.
    await expect(hub.erase({ identity: { email: 'aiko@example.jp' } })).rejects.toThrow(/no customer/)
    await hub.stop()
  })
})
