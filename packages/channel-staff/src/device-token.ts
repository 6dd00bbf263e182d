import { createHmac, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'

/** What a staff device token carries. */
export const StaffTokenClaimsSchema = z.object({
  /** The staff member (or shared device) the token was issued to. */
  sub: z.string().min(1).max(200),
  /** Stores whose cards the device may see. */
  stores: z.array(z.string().min(1).max(200)).min(1).max(500),
  /** Issued at (epoch seconds). */
  iat: z.number().int().nonnegative(),
  /** Expires at (epoch seconds). */
  exp: z.number().int().positive(),
})

/** What a staff device token carries. See {@link StaffTokenClaimsSchema}. */
export type StaffTokenClaims = z.infer<typeof StaffTokenClaimsSchema>

/** Options of {@link issueStaffToken}. */
export interface IssueStaffTokenOptions {
  /** The staff member (or shared device) id; it goes into every acknowledgement. */
  readonly staffId: string
  /** The stores the device may see. */
  readonly storeIds: readonly string[]
  /** Lifetime in seconds. Default 12 hours (one shift). */
  readonly ttlSeconds?: number
  /** "Now" in epoch ms. Default `Date.now()`. */
  readonly now?: number
}

const IssueSchema = z.object({
  staffId: z.string().min(1).max(200),
  storeIds: z.array(z.string().min(1).max(200)).min(1, 'must name at least one store').max(500),
  ttlSeconds: z.number().int().positive().max(31 * 24 * 3600).default(12 * 3600),
  now: z.number().optional(),
})

/** Why a token was refused. */
export type StaffTokenError = 'malformed' | 'bad_signature' | 'expired' | 'invalid_claims'

/** The outcome of {@link verifyStaffToken}. */
export type VerifyStaffTokenResult =
  | { readonly ok: true; readonly claims: StaffTokenClaims }
  | { readonly ok: false; readonly error: StaffTokenError }

const PREFIX = 'stf1'

function sign(payload: string, secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest()
}

/**
 * Issues a signed device token: `stf1.<claims, base64url JSON>.<HMAC-SHA256, base64url>`.
 * Hand it to a staff device at sign-in (from your own staff login, SSO or MDM); the feed and
 * the acknowledgement route accept nothing else.
 *
 * @throws a zod error naming the field when the options are invalid.
 */
export function issueStaffToken(options: IssueStaffTokenOptions, secret: string | Buffer): string {
  const o = IssueSchema.parse(options)
  const iat = Math.floor((o.now ?? Date.now()) / 1000)
  const claims: StaffTokenClaims = { sub: o.staffId, stores: [...new Set(o.storeIds)], iat, exp: iat + o.ttlSeconds }
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${PREFIX}.${payload}.${sign(payload, secret).toString('base64url')}`
}

/**
 * Verifies a device token's signature (in constant time), its shape and its expiry.
 * Never throws: returns why a token was refused.
 */
export function verifyStaffToken(token: string, secret: string | Buffer, now: number = Date.now()): VerifyStaffTokenResult {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return { ok: false, error: 'malformed' }
  const [, payload, signature] = parts as [string, string, string]
  // Compared as canonical text, not decoded bytes: base64url decoding ignores a final
  // character's spare bits, which would let several strings pass for one signature.
  const expected = Buffer.from(sign(payload, secret).toString('base64url'))
  const given = Buffer.from(signature)
  // timingSafeEqual needs equal lengths; a length mismatch is itself a refusal.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, error: 'bad_signature' }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return { ok: false, error: 'malformed' }
  }
  const claims = StaffTokenClaimsSchema.safeParse(json)
  if (!claims.success) return { ok: false, error: 'invalid_claims' }
  if (claims.data.exp * 1000 <= now) return { ok: false, error: 'expired' }
  return { ok: true, claims: claims.data }
}
