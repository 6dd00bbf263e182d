import { connect, constants, type ClientHttp2Session } from 'node:http2'
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import type { ProviderOutcome, PushNotification, PushProvider } from './push-content.js'

/** Settings of the APNs provider (token-based authentication). */
export interface ApnsSettings {
  /** Apple Developer Team ID (the JWT `iss`). */
  readonly teamId: string
  /** Key ID of the .p8 signing key (the JWT `kid`). */
  readonly keyId: string
  /** The .p8 key: PKCS#8 PEM text or a KeyObject (ES256, P-256). */
  readonly privateKey: string | KeyObject
  /** The app's bundle id (`apns-topic`). */
  readonly topic: string
  /** `production` (api.push.apple.com) or `sandbox` (api.sandbox.push.apple.com). Default production. */
  readonly environment?: 'production' | 'sandbox'
  /** Overrides the server URL (a local test server). */
  readonly url?: string
  /** Extra CA certificates to trust (a test server's self-signed certificate). */
  readonly ca?: string | Buffer
  /** How long a provider token is reused. Apple wants 20 to 60 minutes. Default 50 minutes. */
  readonly tokenTtlMs?: number
  /** Request timeout in ms. Default 10 000. */
  readonly timeoutMs?: number
  /** Wall-clock source for JWT `iat` (epoch ms). Apple checks it against real time. Default Date.now. */
  readonly now?: () => number
}

/** APNs reasons that mean the device token is dead (never send to it again). */
const DEAD_TOKEN_REASONS = new Set(['Unregistered', 'BadDeviceToken', 'ExpiredToken'])
/** APNs reasons worth retrying (or caused by our configuration, fixable without the customer). */
const TRANSIENT_REASONS = new Set(['TooManyRequests', 'InternalServerError', 'ServiceUnavailable', 'Shutdown', 'IdleTimeout', 'InvalidProviderToken', 'MissingProviderToken', 'ExpiredProviderToken', 'TooManyProviderTokenUpdates'])

/** A UUID (the apns-id format) derived from the idempotency key, so retries carry the same id. */
export function apnsIdFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase()
}

/** The APNs JSON payload for a notification. */
export function apnsPayload(n: PushNotification): Record<string, unknown> {
  const aps: Record<string, unknown> = {}
  if (n.pushType === 'background') aps['content-available'] = 1
  else {
    aps['alert'] = { ...(n.title === undefined ? {} : { title: n.title }), ...(n.body === undefined ? {} : { body: n.body }) }
    if (n.sound !== undefined) aps['sound'] = n.sound
  }
  if (n.badge !== undefined) aps['badge'] = n.badge
  if (n.threadId !== undefined) aps['thread-id'] = n.threadId
  const payload: Record<string, unknown> = { ...n.data, aps, actionId: n.actionId }
  if (n.url !== undefined) payload['url'] = n.url
  if (n.decisionId !== undefined) payload['decisionId'] = n.decisionId
  return payload
}

/**
 * APNs over HTTP/2 with token authentication: an ES256 JWT (`kid` = key id, `iss` = team id)
 * signed with jose, reused for `tokenTtlMs` and re-signed on `ExpiredProviderToken`. One HTTP/2
 * session is kept and re-opened when the server closes it.
 */
export class ApnsProvider implements PushProvider<string> {
  readonly #settings: ApnsSettings
  readonly #key: KeyObject
  #session: ClientHttp2Session | undefined
  #token: { readonly jwt: string; readonly at: number } | undefined
  #signing: Promise<string> | undefined
  /** How many provider tokens were signed (for tests and metrics). */
  tokensSigned = 0

  constructor(settings: ApnsSettings) {
    this.#settings = settings
    this.#key = typeof settings.privateKey === 'string' ? createPrivateKey(settings.privateKey) : settings.privateKey
  }

  get #origin(): string {
    return this.#settings.url ?? (this.#settings.environment === 'sandbox' ? 'https://api.sandbox.push.apple.com' : 'https://api.push.apple.com')
  }

  async send(token: string, n: PushNotification, idempotencyKey: string): Promise<ProviderOutcome> {
    let outcome = await this.#request(token, n, idempotencyKey, false)
    if (outcome.status === 'failed' && outcome.reason.endsWith('ExpiredProviderToken')) outcome = await this.#request(token, n, idempotencyKey, true)
    return outcome
  }

  async close(): Promise<void> {
    const session = this.#session
    this.#session = undefined
    if (session && !session.closed) await new Promise<void>((resolve) => session.close(() => resolve()))
  }

  async #providerToken(refresh: boolean): Promise<string> {
    const now = (this.#settings.now ?? Date.now)()
    if (!refresh && this.#token && now - this.#token.at < (this.#settings.tokenTtlMs ?? 50 * 60_000)) return this.#token.jwt
    // Concurrent sends share one signing: APNs refuses too many token updates (TooManyProviderTokenUpdates).
    this.#signing ??= new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.#settings.keyId })
      .setIssuer(this.#settings.teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(this.#key)
      .then((jwt) => {
        this.#token = { jwt, at: now }
        this.tokensSigned++
        return jwt
      })
      .finally(() => {
        this.#signing = undefined
      })
    return this.#signing
  }

  #connect(): ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session
    const session = connect(this.#origin, this.#settings.ca === undefined ? {} : { ca: this.#settings.ca })
    const drop = (): void => {
      if (this.#session === session) this.#session = undefined
    }
    session.on('error', drop)
    session.on('close', drop)
    session.on('goaway', drop)
    session.unref()
    this.#session = session
    return session
  }

  async #request(token: string, n: PushNotification, idempotencyKey: string, refresh: boolean): Promise<ProviderOutcome> {
    let jwt: string
    try {
      jwt = await this.#providerToken(refresh)
    } catch (error) {
      return { status: 'failed', permanent: false, reason: `apns: cannot sign the provider token (${(error as Error).message})` }
    }
    const body = JSON.stringify(apnsPayload(n))
    if (Buffer.byteLength(body) > 4096) return { status: 'failed', permanent: true, reason: 'apns payload is larger than 4096 bytes' }
    const nowSec = Math.floor((this.#settings.now ?? Date.now)() / 1000)
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/3/device/${token}`,
      authorization: `bearer ${jwt}`,
      'apns-topic': this.#settings.topic,
      'apns-push-type': n.pushType,
      // Background pushes must use priority 5; low urgency saves the battery too.
      'apns-priority': n.pushType === 'background' || n.urgency === 'low' || n.urgency === 'very-low' ? '5' : '10',
      'apns-expiration': String(n.ttlSeconds === 0 ? 0 : nowSec + n.ttlSeconds),
      'apns-id': apnsIdFor(idempotencyKey),
      'content-type': 'application/json',
    }
    if (n.collapseKey !== undefined) {
      headers['apns-collapse-id'] = Buffer.byteLength(n.collapseKey) <= 64 ? n.collapseKey : createHash('sha256').update(n.collapseKey).digest('hex').slice(0, 64)
    }
    return new Promise<ProviderOutcome>((resolve) => {
      let session: ClientHttp2Session
      try {
        session = this.#connect()
      } catch (error) {
        return resolve({ status: 'failed', permanent: false, reason: `apns: ${(error as Error).message}` })
      }
      const stream = session.request(headers)
      let status = 0
      let apnsId: string | undefined
      const chunks: Buffer[] = []
      stream.setTimeout(this.#settings.timeoutMs ?? 10_000, () => stream.close(constants.NGHTTP2_CANCEL))
      stream.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS])
        const id = h['apns-id']
        if (typeof id === 'string') apnsId = id
      })
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('error', (error) => resolve({ status: 'failed', permanent: false, reason: `apns: ${error.message}` }))
      stream.on('close', () => {
        if (status === 0) return resolve({ status: 'failed', permanent: false, reason: 'apns: no response (timeout or connection closed)' })
        if (status === 200) return resolve({ status: 'sent', ...(apnsId === undefined ? {} : { id: apnsId }) })
        let reason = 'Unknown'
        try {
          reason = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reason?: unknown }).reason ?? 'Unknown')
        } catch {}
        resolve(classifyApnsError(status, reason))
      })
      stream.end(body)
    })
  }
}

/** Maps an APNs error (HTTP status and `reason`) to an outcome. */
export function classifyApnsError(status: number, reason: string): ProviderOutcome {
  const text = `apns ${status} ${reason}`
  if (status === 410 || DEAD_TOKEN_REASONS.has(reason)) return { status: 'revoked', reason: text }
  if (status === 429 || status >= 500 || TRANSIENT_REASONS.has(reason)) return { status: 'failed', permanent: false, reason: text }
  return { status: 'failed', permanent: true, reason: text }
}
