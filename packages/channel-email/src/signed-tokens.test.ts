import { describe, expect, it } from 'vitest'
import { signRefToken, signUnsubscribeToken, verifyRefToken, verifyUnsubscribeToken } from './signed-tokens.js'

const secret = 'a-secret-that-is-long-enough-0123456789'
const claims = { customerId: 'c-1', issuedAt: 1_700_000_000, actionId: 'price-drop', purpose: 'marketing' }

describe('unsubscribe tokens', () => {
  it('round-trips the claims and holds no email address', () => {
    const token = signUnsubscribeToken(secret, claims)
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    expect(verifyUnsubscribeToken([secret], token)).toEqual({ ok: true, claims })
  })

  it('refuses a forged or tampered token', () => {
    const token = signUnsubscribeToken(secret, claims)
    const [payload, sig] = token.split('.') as [string, string]
    const other = Buffer.from(JSON.stringify({ c: 'c-2', t: claims.issuedAt })).toString('base64url')
    expect(verifyUnsubscribeToken([secret], `${other}.${sig}`)).toEqual({ ok: false, error: 'bad_signature' })
    expect(verifyUnsubscribeToken(['another-secret-that-is-long-enough-000'], token)).toEqual({ ok: false, error: 'bad_signature' })
    expect(verifyUnsubscribeToken([secret], `${payload}.${sig.slice(0, 10)}`)).toEqual({ ok: false, error: 'bad_signature' })
    expect(verifyUnsubscribeToken([secret], 'nonsense')).toEqual({ ok: false, error: 'malformed' })
  })

  it('accepts a retired secret during rotation, and expires old links when asked', () => {
    const old = signUnsubscribeToken('the-old-secret-that-is-long-enough-00', claims)
    expect(verifyUnsubscribeToken([secret, 'the-old-secret-that-is-long-enough-00'], old).ok).toBe(true)
    const now = (claims.issuedAt + 86_400 * 31) * 1000
    expect(verifyUnsubscribeToken([secret], signUnsubscribeToken(secret, claims), { maxAgeSeconds: 86_400 * 30, now })).toEqual({ ok: false, error: 'expired' })
  })

  it('does not accept a bounce reference as an unsubscribe link, nor the reverse', () => {
    const ref = signRefToken(secret, claims)
    expect(verifyUnsubscribeToken([secret], ref).ok).toBe(false)
    expect(verifyRefToken([secret], ref).ok).toBe(true)
    expect(verifyRefToken([secret], signUnsubscribeToken(secret, claims)).ok).toBe(false)
  })
})
