import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { importJWK, jwtVerify } from 'jose'
import { formatWebPushToken, type WebPushSubscription } from '../push-token.js'
import { createTestCertificate, type TestCertificate } from './certificate.js'
import { createSubscriptionKeys, decryptAes128gcm, type SubscriptionKeys } from './ece.js'

/** One push message the service accepted, decrypted. */
export interface ReceivedWebPush {
  /** The subscription it was for. */
  readonly subscriptionId: string
  /** The decrypted payload, as text. */
  readonly payload: string
  /** The TTL header (seconds). */
  readonly ttl: number
  /** The Urgency header, if sent. */
  readonly urgency?: string
  /** The Topic header, if sent. */
  readonly topic?: string
  /** The verified VAPID claims. */
  readonly vapid: { readonly aud: string; readonly sub: string; readonly exp: number; readonly publicKey: string }
}

/** A request the service refused, with why (for assertions on what a client got wrong). */
export interface RefusedWebPush {
  readonly subscriptionId: string
  readonly status: number
  readonly reason: string
}

/** A subscription made by {@link WebPushService.subscribe}, with its secret keys. */
export interface TestSubscription {
  readonly id: string
  /** What the browser would hand the application server. */
  readonly subscription: WebPushSubscription
  /** The device token string (`webpush:…`) for a recipient's `deviceToken` identifiers. */
  readonly token: string
  /** The user agent's secret keys. */
  readonly keys: SubscriptionKeys
}

/** Options of {@link startWebPushService}. */
export interface WebPushServiceOptions {
  /** Accept only this VAPID public key (base64url); default: any valid one. */
  readonly vapidPublicKey?: string
  /** TLS certificate; default: a fresh self-signed one. */
  readonly certificate?: TestCertificate
}

/** A running local Web Push service. */
export interface WebPushService {
  /** `https://127.0.0.1:port`. */
  readonly origin: string
  /** Its certificate: trust it with `new https.Agent({ ca: service.ca })`. */
  readonly ca: string
  /** Every message accepted, decrypted. */
  readonly received: ReceivedWebPush[]
  /** Every request refused, with the reason. */
  readonly refused: RefusedWebPush[]
  /** Creates a subscription (as a browser would, keys included). */
  subscribe(): TestSubscription
  /** Makes a subscription answer 410 Gone from now on (the user unsubscribed). */
  expire(id: string): void
  /** Answers the next request with this status (429, 500…) instead of accepting it. */
  failNext(status: number): void
  /** Stops the server. */
  close(): Promise<void>
}

const URGENCIES = new Set(['very-low', 'low', 'normal', 'high'])

/**
 * A local HTTPS Web Push service (RFC 8030) that checks what a real one checks, and more: it
 * verifies the VAPID JWT (RFC 8292: ES256 signature against the `k` key, `aud` = its origin,
 * `exp` in the future and within 24 h, `sub` a mailto: or https: contact), requires `TTL` and
 * `Content-Encoding: aes128gcm`, and decrypts every payload with the subscription's private key
 * (RFC 8291), refusing what does not decrypt. Expired subscriptions answer 410.
 */
export async function startWebPushService(options: WebPushServiceOptions = {}): Promise<WebPushService> {
  const certificate = options.certificate ?? (await createTestCertificate())
  const subscriptions = new Map<string, { keys: SubscriptionKeys; expired: boolean }>()
  const received: ReceivedWebPush[] = []
  const refused: RefusedWebPush[] = []
  const scripted: number[] = []
  let origin = ''

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const match = /^\/push\/([A-Za-z0-9-]+)$/.exec(req.url ?? '')
    const id = match?.[1] ?? ''
    const refuse = (status: number, reason: string): void => {
      refused.push({ subscriptionId: id, status, reason })
      res.writeHead(status, { 'content-type': 'text/plain' }).end(reason)
    }
    if (req.method !== 'POST' || !match) return refuse(404, 'not a push resource')
    const sub = subscriptions.get(id)
    if (!sub) return refuse(404, 'no such subscription')
    if (sub.expired) return refuse(410, 'subscription expired')
    const status = scripted.shift()
    if (status !== undefined) return refuse(status, 'scripted failure')

    const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers['authorization'] ?? '')
    if (!auth) return refuse(401, 'Authorization must be "vapid t=<jwt>, k=<key>"')
    const [, jwt, k] = auth as unknown as [string, string, string]
    if (options.vapidPublicKey !== undefined && k !== options.vapidPublicKey) return refuse(403, 'VAPID key does not match the subscription')
    const point = Buffer.from(k, 'base64url')
    if (point.length !== 65 || point[0] !== 4) return refuse(401, 'k must be an uncompressed P-256 point')
    let claims: { aud: string; sub: string; exp: number }
    try {
      const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, 'ES256')
      const verified = await jwtVerify(jwt, key, { algorithms: ['ES256'], audience: origin, requiredClaims: ['exp', 'sub'] })
      claims = verified.payload as { aud: string; sub: string; exp: number }
    } catch (error) {
      return refuse(403, `VAPID JWT refused: ${(error as Error).message}`)
    }
    if (claims.exp > Math.floor(Date.now() / 1000) + 86_400) return refuse(403, 'VAPID exp is more than 24 hours ahead')
    if (!/^(mailto:|https:\/\/)/.test(claims.sub)) return refuse(403, 'VAPID sub must be a mailto: or https: URL')

    const ttl = req.headers['ttl']
    if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return refuse(400, 'TTL header is required')
    const urgency = req.headers['urgency']
    if (urgency !== undefined && (typeof urgency !== 'string' || !URGENCIES.has(urgency))) return refuse(400, 'bad Urgency')
    const topic = req.headers['topic']
    if (topic !== undefined && (typeof topic !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(topic))) return refuse(400, 'Topic must be at most 32 base64url characters')
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, 'Content-Encoding must be aes128gcm')
    if (body.length > 4096) return refuse(413, 'payload larger than 4096 bytes')
    let payload: string
    try {
      payload = decryptAes128gcm(body, sub.keys).toString('utf8')
    } catch (error) {
      return refuse(400, `payload does not decrypt: ${(error as Error).message}`)
    }
    received.push({
      subscriptionId: id,
      payload,
      ttl: Number(ttl),
      vapid: { aud: claims.aud, sub: claims.sub, exp: claims.exp, publicKey: k },
      ...(typeof urgency === 'string' ? { urgency } : {}),
      ...(typeof topic === 'string' ? { topic } : {}),
    })
    res.writeHead(201, { location: `${origin}/message/${randomUUID()}` }).end()
  }

  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    ca: certificate.cert,
    received,
    refused,
    subscribe() {
      const id = randomUUID()
      const keys = createSubscriptionKeys()
      subscriptions.set(id, { keys, expired: false })
      const subscription: WebPushSubscription = { endpoint: `${origin}/push/${id}`, keys: { p256dh: keys.p256dh, auth: keys.auth } }
      return { id, subscription, keys, token: formatWebPushToken(subscription) }
    },
    expire(id) {
      const s = subscriptions.get(id)
      if (s) s.expired = true
    },
    failNext(status) {
      scripted.push(status)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
