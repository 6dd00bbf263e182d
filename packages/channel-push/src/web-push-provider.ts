import { createHash } from 'node:crypto'
import type { Agent } from 'node:https'
import webpush from 'web-push'
import type { ProviderOutcome, PushNotification, PushProvider } from './push-content.js'
import type { WebPushSubscription } from './push-token.js'

/** Settings of the Web Push provider. */
export interface WebPushSettings {
  /** VAPID `sub`: a `mailto:` or `https:` contact for the push service operator. */
  readonly subject: string
  /** VAPID public key (base64url, uncompressed P-256 point). */
  readonly publicKey: string
  /** VAPID private key (base64url). */
  readonly privateKey: string
  /** HTTPS agent (e.g. to trust a test CA or to pool connections). */
  readonly agent?: Agent
  /** Request timeout in ms. Default 10 000. */
  readonly timeoutMs?: number
}

/** Web Push payloads must fit 4096 bytes once encrypted (RFC 8291: 86 bytes of overhead, one record). */
const MAX_PLAINTEXT = 3993

/** Web Push topics are at most 32 base64url characters: longer collapse keys are hashed. */
export function webPushTopic(collapseKey: string): string {
  return /^[A-Za-z0-9_-]{1,32}$/.test(collapseKey) ? collapseKey : createHash('sha256').update(collapseKey).digest('base64url').slice(0, 32)
}

/**
 * Web Push through the `web-push` library: the payload is encrypted with aes128gcm (RFC 8291)
 * and the request signed with VAPID (RFC 8292). 404 and 410 mean the subscription is gone.
 */
export class WebPushProvider implements PushProvider<WebPushSubscription> {
  readonly #settings: WebPushSettings

  constructor(settings: WebPushSettings) {
    this.#settings = settings
  }

  async send(subscription: WebPushSubscription, n: PushNotification): Promise<ProviderOutcome> {
    const payload = JSON.stringify({
      title: n.title,
      body: n.body,
      url: n.url,
      actionId: n.actionId,
      decisionId: n.decisionId,
      tag: n.collapseKey,
      badge: n.badge,
      data: n.data,
    })
    if (Buffer.byteLength(payload) > MAX_PLAINTEXT) return { status: 'failed', permanent: true, reason: `web push payload is larger than ${MAX_PLAINTEXT} bytes` }
    const s = this.#settings
    try {
      const result = await webpush.sendNotification({ endpoint: subscription.endpoint, keys: subscription.keys }, payload, {
        vapidDetails: { subject: s.subject, publicKey: s.publicKey, privateKey: s.privateKey },
        TTL: n.ttlSeconds,
        urgency: n.urgency,
        contentEncoding: 'aes128gcm',
        timeout: s.timeoutMs ?? 10_000,
        ...(n.collapseKey === undefined ? {} : { topic: webPushTopic(n.collapseKey) }),
        ...(s.agent === undefined ? {} : { agent: s.agent }),
      })
      const location = result.headers['location']
      return { status: 'sent', ...(typeof location === 'string' ? { id: location.slice(0, 200) } : {}) }
    } catch (error) {
      return classifyWebPushError(error)
    }
  }
}

/** Maps a web-push failure to an outcome (RFC 8030 status codes). */
export function classifyWebPushError(error: unknown): ProviderOutcome {
  const statusCode = (error as { statusCode?: unknown }).statusCode
  if (typeof statusCode !== 'number') return { status: 'failed', permanent: false, reason: `web push: ${(error as Error).message ?? 'request failed'}` }
  if (statusCode === 404 || statusCode === 410) return { status: 'revoked', reason: `web push ${statusCode}: subscription expired or unsubscribed` }
  // 429 and 5xx: the service is busy. 401/403: our VAPID keys are rejected, which is configuration.
  if (statusCode === 429 || statusCode >= 500 || statusCode === 401 || statusCode === 403) {
    return { status: 'failed', permanent: false, reason: `web push ${statusCode}` }
  }
  return { status: 'failed', permanent: true, reason: `web push ${statusCode}` }
}
