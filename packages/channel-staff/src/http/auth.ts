import type { IncomingMessage } from 'node:http'
import { verifyStaffToken, type StaffTokenClaims } from '../device-token.js'

/** The outcome of {@link authenticateDevice}. */
export type DeviceAuth =
  | { readonly ok: true; readonly claims: StaffTokenClaims }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: string }

/**
 * The device token of a request: `Authorization: Bearer <token>`, or the `access_token` query
 * parameter for browsers, whose WebSocket and EventSource APIs cannot set headers.
 */
export function deviceTokenOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    return match?.[1]
  }
  return url.searchParams.get('access_token') ?? undefined
}

/** Authenticates a staff device and, when `storeId` is given, checks the token grants that store. */
export function authenticateDevice(request: IncomingMessage, url: URL, secret: string | Buffer, now: number, storeId?: string): DeviceAuth {
  const token = deviceTokenOf(request, url)
  if (token === undefined) return { ok: false, status: 401, error: 'a staff device token is required (Authorization: Bearer, or access_token)' }
  const verified = verifyStaffToken(token, secret, now)
  if (!verified.ok) return { ok: false, status: 401, error: `the staff device token is refused: ${verified.error}` }
  if (storeId !== undefined && !verified.claims.stores.includes(storeId)) {
    return { ok: false, status: 403, error: `this token does not grant store "${storeId}"` }
  }
  return verified
}

/** The request's URL, parsed against a dummy origin (only path and query matter). */
export function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://localhost')
}
