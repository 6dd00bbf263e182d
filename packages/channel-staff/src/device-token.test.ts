import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { issueStaffToken, verifyStaffToken } from './device-token.js'

const secret = 'a-very-long-test-secret-of-32-chars!!'
const now = Date.parse('2026-03-01T10:00:00Z')

describe('staff device tokens', () => {
  it('round-trips staff id and stores until expiry', () => {
    const token = issueStaffToken({ staffId: 'sato', storeIds: ['shibuya', 'umeda', 'shibuya'], ttlSeconds: 60, now }, secret)
    const ok = verifyStaffToken(token, secret, now + 59_000)
    expect(ok).toEqual({ ok: true, claims: { sub: 'sato', stores: ['shibuya', 'umeda'], iat: now / 1000, exp: now / 1000 + 60 } })
    expect(verifyStaffToken(token, secret, now + 60_000)).toEqual({ ok: false, error: 'expired' })
  })

  it('refuses a token whose claims were changed (a store added)', () => {
    const token = issueStaffToken({ staffId: 'sato', storeIds: ['shibuya'], now }, secret)
    const [prefix, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { stores: string[] }
    claims.stores.push('umeda')
    const forged = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    expect(verifyStaffToken(forged, secret, now)).toEqual({ ok: false, error: 'bad_signature' })
  })

  it('refuses a token signed with another secret, a truncated signature and garbage', () => {
    const token = issueStaffToken({ staffId: 'sato', storeIds: ['shibuya'], now }, secret)
    expect(verifyStaffToken(token, 'another-secret-that-is-32-chars-long', now)).toEqual({ ok: false, error: 'bad_signature' })
    expect(verifyStaffToken(token.slice(0, -4), secret, now)).toEqual({ ok: false, error: 'bad_signature' })
    expect(verifyStaffToken('hello', secret, now)).toEqual({ ok: false, error: 'malformed' })
    expect(verifyStaffToken('stf1..', secret, now)).toEqual({ ok: false, error: 'malformed' })
  })

  it('names the bad field when issuing', () => {
    expect(() => issueStaffToken({ staffId: 'sato', storeIds: [] }, secret)).toThrow(/storeIds/)
    expect(() => issueStaffToken({ staffId: '', storeIds: ['a'] }, secret)).toThrow(/staffId/)
  })

  it('refuses every single-character change to a valid token, and never throws on garbage', () => {
    const token = issueStaffToken({ staffId: 'sato', storeIds: ['shibuya'], now }, secret)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (at, char) => {
        fc.pre(token[at] !== char)
        const changed = token.slice(0, at) + char + token.slice(at + 1)
        expect(verifyStaffToken(changed, secret, now).ok).toBe(false)
      }),
      { numRuns: 2_000 },
    )
    // The signature's last character has two spare bits: a sibling character decodes to the same
    // bytes, and must still be refused.
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = b64.indexOf(token.at(-1)!)
    const sibling = token.slice(0, -1) + b64[last ^ 1]
    expect(Buffer.from(sibling.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'))
    expect(verifyStaffToken(sibling, secret, now)).toEqual({ ok: false, error: 'bad_signature' })
    fc.assert(
      fc.property(fc.string(), (garbage) => {
        expect(verifyStaffToken(garbage, secret, now).ok).toBe(false)
      }),
    )
  })
})
