import { createHmac, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'

/** What an unsubscribe token says: who opted out of what, and when the link was made. */
export interface UnsubscribeClaims {
  /** The customer. */
  readonly customerId: string
  /** The purpose unsubscribed from (`marketing`…); absent: every email. */
  readonly purpose?: string
  /** The action whose email carried the link (for reporting). */
  readonly actionId?: string
  /** When the token was issued (epoch seconds). */
  readonly issuedAt: number
}

const ClaimsSchema = z.object({
  c: z.string().min(1).max(512),
  p: z.string().min(1).max(100).optional(),
  a: z.string().min(1).max(200).optional(),
  t: z.number().int().nonnegative(),
})

/** What a token is for: an unsubscribe link, or the reference header bounces bring back. */
type TokenUse = 'unsubscribe' | 'ref'

// The use is inside the MAC so a token made for one use is refused for the other.
function mac(secret: string, use: TokenUse, payload: string): Buffer {
  return createHmac('sha256', secret).update(`omotenashi-email-${use}.v1.${payload}`).digest()
}

function sign(secret: string, use: TokenUse, claims: UnsubscribeClaims): string {
  const body: z.input<typeof ClaimsSchema> = { c: claims.customerId, t: claims.issuedAt }
  if (claims.purpose !== undefined) body.p = claims.purpose
  if (claims.actionId !== undefined) body.a = claims.actionId
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url')
  return `${payload}.${mac(secret, use, payload).toString('base64url')}`
}

/**
 * Makes the opaque token carried in List-Unsubscribe URLs: the claims in base64url and an
 * HMAC-SHA256 over them. It holds the customer id, never the email address, so a forwarded link
 * leaks no address.
 */
export function signUnsubscribeToken(secret: string, claims: UnsubscribeClaims): string {
  return sign(secret, 'unsubscribe', claims)
}

/**
 * Makes the value of the `X-Omotenashi-Ref` header: the same claims, signed for another use.
 * Bounce and complaint reports return the original headers, and this ties them back to the
 * customer and action without a lookup table.
 */
export function signRefToken(secret: string, claims: UnsubscribeClaims): string {
  return sign(secret, 'ref', claims)
}

/** Verifies an `X-Omotenashi-Ref` value made by {@link signRefToken}. */
export function verifyRefToken(secrets: readonly string[], token: string): ReturnType<typeof verifyUnsubscribeToken> {
  return verify(secrets, 'ref', token, {})
}

/** Why a token was refused. */
export type UnsubscribeTokenError = 'malformed' | 'bad_signature' | 'expired'

/**
 * Verifies a token made by {@link signUnsubscribeToken} (in constant time). Accepts any of
 * `secrets` so a secret can be rotated without breaking links already mailed.
 */
export function verifyUnsubscribeToken(
  secrets: readonly string[],
  token: string,
  options: { readonly maxAgeSeconds?: number; readonly now?: number } = {},
): { ok: true; claims: UnsubscribeClaims } | { ok: false; error: UnsubscribeTokenError } {
  return verify(secrets, 'unsubscribe', token, options)
}

function verify(
  secrets: readonly string[],
  use: TokenUse,
  token: string,
  options: { readonly maxAgeSeconds?: number; readonly now?: number },
): { ok: true; claims: UnsubscribeClaims } | { ok: false; error: UnsubscribeTokenError } {
  const parts = token.split('.')
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return { ok: false, error: 'malformed' }
  const [payload, signature] = parts as [string, string]
  const given = Buffer.from(signature, 'base64url')
  const valid = secrets.some((secret) => {
    const expected = mac(secret, use, payload)
    return expected.length === given.length && timingSafeEqual(expected, given)
  })
  if (!valid) return { ok: false, error: 'bad_signature' }
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return { ok: false, error: 'malformed' }
  }
  const parsed = ClaimsSchema.safeParse(decoded)
  if (!parsed.success) return { ok: false, error: 'malformed' }
  const { c, p, a, t } = parsed.data
  if (options.maxAgeSeconds !== undefined) {
    const now = Math.floor((options.now ?? Date.now()) / 1000)
    if (now - t > options.maxAgeSeconds) return { ok: false, error: 'expired' }
  }
  return { ok: true, claims: { customerId: c, issuedAt: t, ...(p === undefined ? {} : { purpose: p }), ...(a === undefined ? {} : { actionId: a }) } }
}
