import { createHash, timingSafeEqual } from 'node:crypto'

/** What an API key may do. Each scope allows only what it names; a key may hold several. */
export const SCOPES = ['ingest', 'read', 'decide', 'admin'] as const

/** An API key scope. */
export type Scope = (typeof SCOPES)[number]

/** A configured API key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** A name for logs and rate limits (never the key). */
  readonly name: string
  /** Hex SHA-256 of the key (see {@link hashApiKey}). */
  readonly sha256: string
  /** What the key may do. */
  readonly scopes: readonly Scope[]
  /** Requests allowed per window for this key (overrides the server default). */
  readonly rateLimit?: { readonly max: number; readonly timeWindowMs?: number | undefined } | undefined
}

/** The hex SHA-256 of an API key, as stored in the server options. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

const VERIFIED_CACHE = 1024

/**
 * Verifies presented keys against the stored hashes. Every stored hash is compared, in constant
 * time and without an early exit, so timing reveals neither which key matched nor how much of it.
 * Keys that matched are remembered in memory (at most 1 024) so a client's next request skips
 * the hash.
 */
export class ApiKeyRing {
  readonly #keys: ReadonlyArray<{ readonly record: ApiKeyRecord; readonly digest: Buffer }>
  // Keys that verified recently: hashing every request's key was ~3 % of a pull decision's CPU.
  // Only matches are kept (a wrong key never fills it), at most VERIFIED_CACHE of them; a hit
  // answers the same as a full check would, and 200 versus 401 tells the caller as much anyway.
  readonly #verified = new Map<string, ApiKeyRecord>()

  constructor(records: readonly ApiKeyRecord[]) {
    this.#keys = records.map((record) => ({ record, digest: Buffer.from(record.sha256, 'hex') }))
  }

  /** The record of the key, or undefined when no stored key matches. */
  verify(presented: string): ApiKeyRecord | undefined {
    const known = this.#verified.get(presented)
    if (known) return known
    const found = this.#check(presented)
    if (found) {
      if (this.#verified.size >= VERIFIED_CACHE) this.#verified.clear()
      this.#verified.set(presented, found)
    }
    return found
  }

  #check(presented: string): ApiKeyRecord | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest()
    let found: ApiKeyRecord | undefined
    for (const key of this.#keys) {
      // Stored digests are validated to 32 bytes, so the lengths are always equal here.
      if (timingSafeEqual(key.digest, digest) && found === undefined) found = key.record
    }
    return found
  }
}

/**
 * Reads the credential from a request's headers: `Authorization: Bearer <key>`,
 * `Authorization: Basic base64(<key>:)` (Segment and RudderStack write keys), or `x-api-key`.
 */
export function credentialFrom(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const header = headers['authorization']
  const auth = Array.isArray(header) ? header[0] : header
  if (auth !== undefined) {
    const space = auth.indexOf(' ')
    const scheme = (space < 0 ? auth : auth.slice(0, space)).toLowerCase()
    const value = space < 0 ? '' : auth.slice(space + 1).trim()
    if (scheme === 'bearer' && value) return value
    if (scheme === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      // Segment puts the write key in the user name; some clients put it in the password.
      const user = colon < 0 ? decoded : decoded.slice(0, colon)
      const password = colon < 0 ? '' : decoded.slice(colon + 1)
      return user || password || undefined
    }
  }
  const apiKey = headers['x-api-key']
  const key = Array.isArray(apiKey) ? apiKey[0] : apiKey
  return key ? key : undefined
}
