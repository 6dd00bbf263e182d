import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import { constants, createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { createTestCertificate, type TestCertificate } from './certificate.js'

/** One notification the server accepted. */
export interface ReceivedApns {
  /** The device token (hex). */
  readonly deviceToken: string
  /** The apns-* headers as sent. */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON payload. */
  readonly payload: Record<string, unknown>
  /** The provider token (JWT) used. */
  readonly providerToken: string
}

/** A refused request and Apple's reason. */
export interface RefusedApns {
  readonly deviceToken: string
  readonly status: number
  readonly reason: string
}

/** Options of {@link startApnsServer}. */
export interface ApnsServerOptions {
  /** The team id the JWT `iss` must carry. */
  readonly teamId: string
  /** The key id the JWT `kid` must carry. */
  readonly keyId: string
  /** The signing key's public half (or the private key: its public half is derived). */
  readonly key: string | KeyObject
  /** Topics (bundle ids) the key may push to. */
  readonly topics: readonly string[]
  /** TLS certificate; default: a fresh self-signed one. */
  readonly certificate?: TestCertificate
  /** How old a provider token may be before `ExpiredProviderToken` (seconds). Default 3600. */
  readonly tokenMaxAgeSeconds?: number
}

/** A running local APNs server. */
export interface ApnsServer {
  /** `https://127.0.0.1:port`: the provider's `url`. */
  readonly url: string
  /** Its certificate: the provider's `ca`. */
  readonly ca: string
  readonly received: ReceivedApns[]
  readonly refused: RefusedApns[]
  /** Distinct provider tokens seen (to check that tokens are reused, not signed per request). */
  readonly providerTokens: Set<string>
  /** Makes a device token answer 410 Unregistered from now on (the app was removed). */
  unregister(deviceToken: string): void
  /** Answers the next request with this status and reason (429 TooManyRequests, 403 ExpiredProviderToken…). */
  failNext(status: number, reason: string): void
  close(): Promise<void>
}

const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk', 'widgets', 'controls'])

/**
 * A local APNs provider API (HTTP/2 over TLS) that checks what Apple checks: the ES256 provider
 * token (signature, `kid`, `iss`, `iat` age), `apns-topic`, `apns-push-type`, `apns-priority`
 * (5 for background pushes), `apns-expiration`, `apns-collapse-id` (≤ 64 bytes), `apns-id`
 * (a UUID), the device token's form and the JSON payload (≤ 4096 bytes, with `aps`). Answers
 * with Apple's status codes and reasons, and 410 `Unregistered` for unregistered devices.
 */
export async function startApnsServer(options: ApnsServerOptions): Promise<ApnsServer> {
  const certificate = options.certificate ?? (await createTestCertificate())
  const publicKey = createPublicKey(options.key)
  const received: ReceivedApns[] = []
  const refused: RefusedApns[] = []
  const providerTokens = new Set<string>()
  const unregistered = new Map<string, number>()
  const scripted: Array<{ status: number; reason: string }> = []

  async function check(headers: IncomingHttpHeaders, body: Buffer, deviceToken: string): Promise<{ status: number; reason: string; jwt?: string; payload?: Record<string, unknown> }> {
    if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' }
    const auth = headers['authorization']
    if (typeof auth !== 'string' || !auth.startsWith('bearer ')) return { status: 403, reason: 'MissingProviderToken' }
    const jwt = auth.slice(7)
    try {
      const header = decodeProtectedHeader(jwt)
      if (header.alg !== 'ES256' || header.kid !== options.keyId) return { status: 403, reason: 'InvalidProviderToken' }
      const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ['ES256'], issuer: options.teamId, requiredClaims: ['iat'] })
      if (Math.floor(Date.now() / 1000) - payload.iat! > (options.tokenMaxAgeSeconds ?? 3600)) return { status: 403, reason: 'ExpiredProviderToken' }
    } catch {
      return { status: 403, reason: 'InvalidProviderToken' }
    }
    providerTokens.add(jwt)
    const scriptedFailure = scripted.shift()
    if (scriptedFailure) return scriptedFailure
    const topic = headers['apns-topic']
    if (typeof topic !== 'string') return { status: 400, reason: 'MissingTopic' }
    if (!options.topics.includes(topic)) return { status: 400, reason: 'TopicDisallowed' }
    const pushType = headers['apns-push-type']
    if (typeof pushType !== 'string' || !PUSH_TYPES.has(pushType)) return { status: 400, reason: 'InvalidPushType' }
    const priority = headers['apns-priority']
    if (priority !== undefined && !['1', '5', '10'].includes(String(priority))) return { status: 400, reason: 'BadPriority' }
    if (pushType === 'background' && priority !== '5') return { status: 400, reason: 'BadPriority' }
    const expiration = headers['apns-expiration']
    if (expiration !== undefined && !/^\d+$/.test(String(expiration))) return { status: 400, reason: 'BadExpirationDate' }
    const collapse = headers['apns-collapse-id']
    if (collapse !== undefined && Buffer.byteLength(String(collapse)) > 64) return { status: 400, reason: 'BadCollapseId' }
    const id = headers['apns-id']
    if (id !== undefined && !/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(String(id))) return { status: 400, reason: 'BadMessageId' }
    if (!/^(?:[0-9a-f]{2}){32,100}$/i.test(deviceToken)) return { status: 400, reason: 'BadDeviceToken' }
    if (unregistered.has(deviceToken)) return { status: 410, reason: 'Unregistered' }
    if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' }
    if (body.length > 4096) return { status: 413, reason: 'PayloadTooLarge' }
    let payload: unknown
    try {
      payload = JSON.parse(body.toString('utf8'))
    } catch {
      return { status: 400, reason: 'BadPayload' }
    }
    if (typeof payload !== 'object' || payload === null || typeof (payload as { aps?: unknown }).aps !== 'object') return { status: 400, reason: 'BadPayload' }
    return { status: 200, reason: '', jwt, payload: payload as Record<string, unknown> }
  }

  function onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      const path = String(headers[':path'] ?? '')
      const deviceToken = /^\/3\/device\/([^/?]+)$/.exec(path)?.[1] ?? ''
      const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID().toUpperCase()
      void check(headers, Buffer.concat(chunks), deviceToken).then((r) => {
        if (stream.destroyed) return
        if (r.status === 200) {
          const apnsHeaders: Record<string, string> = {}
          for (const [k, v] of Object.entries(headers)) if (k.startsWith('apns-') && typeof v === 'string') apnsHeaders[k] = v
          received.push({ deviceToken, headers: apnsHeaders, payload: r.payload!, providerToken: r.jwt! })
          stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'apns-id': apnsId })
          return stream.end()
        }
        refused.push({ deviceToken, status: r.status, reason: r.reason })
        const body: Record<string, unknown> = { reason: r.reason }
        if (r.status === 410) body['timestamp'] = unregistered.get(deviceToken) ?? Date.now()
        stream.respond({ [constants.HTTP2_HEADER_STATUS]: r.status, 'apns-id': apnsId, 'content-type': 'application/json' })
        stream.end(JSON.stringify(body))
      })
    })
  }

  const server = createSecureServer({ key: certificate.key, cert: certificate.cert })
  server.on('stream', onStream)
  const sessions = new Set<ServerHttp2Session>()
  server.on('session', (s) => {
    sessions.add(s)
    s.on('close', () => sessions.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: certificate.cert,
    received,
    refused,
    providerTokens,
    unregister(deviceToken) {
      unregistered.set(deviceToken.toLowerCase(), Date.now())
    },
    failNext(status, reason) {
      scripted.push({ status, reason })
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy()
        server.close(() => resolve())
      }),
  }
}
