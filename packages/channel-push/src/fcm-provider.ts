import type { ProviderOutcome, PushNotification, PushProvider } from './push-content.js'

/** Settings of the FCM HTTP v1 provider. */
export interface FcmSettings {
  /** Firebase project id. */
  readonly projectId: string
  /**
   * Returns an OAuth 2 access token for the `firebase.messaging` scope. In production,
   * google-auth-library's `GoogleAuth#getAccessToken` (it caches and refreshes); in tests, a
   * fixed string. Called before every request, so it must cache.
   */
  readonly accessToken: () => string | Promise<string>
  /** API base URL. Default `https://fcm.googleapis.com`. */
  readonly baseUrl?: string
  /** fetch to use (default: the global one). */
  readonly fetch?: typeof fetch
  /** Request timeout in ms. Default 10 000. */
  readonly timeoutMs?: number
}

interface FcmErrorBody {
  readonly error?: { readonly code?: number; readonly status?: string; readonly message?: string; readonly details?: ReadonlyArray<{ readonly '@type'?: string; readonly errorCode?: string }> }
}

/** Builds the FCM v1 `message` for one token. Data values are strings, as FCM requires. */
export function fcmMessage(token: string, n: PushNotification): Record<string, unknown> {
  const data: Record<string, string> = { actionId: n.actionId }
  for (const [k, v] of Object.entries(n.data)) data[k] = String(v)
  if (n.url !== undefined) data['url'] = n.url
  if (n.decisionId !== undefined) data['decisionId'] = n.decisionId
  const message: Record<string, unknown> = { token, data }
  if (n.pushType === 'alert') {
    message['notification'] = { ...(n.title === undefined ? {} : { title: n.title }), ...(n.body === undefined ? {} : { body: n.body }) }
  }
  const high = n.urgency === 'high' || n.urgency === 'normal'
  message['android'] = {
    ttl: `${n.ttlSeconds}s`,
    priority: high && n.pushType === 'alert' ? 'HIGH' : 'NORMAL',
    ...(n.collapseKey === undefined ? {} : { collapse_key: n.collapseKey }),
    ...(n.pushType === 'alert' && n.url !== undefined ? { notification: { click_action: n.url } } : {}),
  }
  const apnsHeaders: Record<string, string> = { 'apns-priority': high && n.pushType === 'alert' ? '10' : '5' }
  if (n.collapseKey !== undefined) apnsHeaders['apns-collapse-id'] = n.collapseKey.slice(0, 64)
  message['apns'] = { headers: apnsHeaders }
  if (n.url?.startsWith('https://')) message['webpush'] = { fcm_options: { link: n.url } }
  return message
}

/**
 * A thin FCM HTTP v1 client (`POST /v1/projects/{id}/messages:send`) on fetch. UNREGISTERED
 * means the token is dead; QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL
 * and authentication errors are transient.
 */
export class FcmProvider implements PushProvider<string> {
  readonly #settings: FcmSettings

  constructor(settings: FcmSettings) {
    this.#settings = settings
  }

  async send(token: string, n: PushNotification): Promise<ProviderOutcome> {
    const s = this.#settings
    const url = `${(s.baseUrl ?? 'https://fcm.googleapis.com').replace(/\/$/, '')}/v1/projects/${encodeURIComponent(s.projectId)}/messages:send`
    let response: Response
    try {
      const bearer = await s.accessToken()
      response = await (s.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ message: fcmMessage(token, n) }),
        signal: AbortSignal.timeout(s.timeoutMs ?? 10_000),
      })
    } catch (error) {
      return { status: 'failed', permanent: false, reason: `fcm: ${(error as Error).message}` }
    }
    const text = await response.text().catch(() => '')
    if (response.ok) {
      const name = (JSON.parse(text || '{}') as { name?: unknown }).name
      return { status: 'sent', ...(typeof name === 'string' ? { id: name } : {}) }
    }
    let body: FcmErrorBody = {}
    try {
      body = JSON.parse(text) as FcmErrorBody
    } catch {}
    const errorCode = body.error?.details?.find((d) => d['@type']?.endsWith('FcmError'))?.errorCode
    return classifyFcmError(response.status, errorCode ?? body.error?.status)
  }
}

/** Maps an FCM v1 error (HTTP status and FcmError code) to an outcome. */
export function classifyFcmError(status: number, code: string | undefined): ProviderOutcome {
  const reason = `fcm ${status}${code === undefined ? '' : ` ${code}`}`
  // Only UNREGISTERED revokes: a 404 or SENDER_ID_MISMATCH can also come from a wrong project
  // id, and revoking on configuration mistakes would silently drop every device.
  if (code === 'UNREGISTERED') return { status: 'revoked', reason }
  if (status === 401 || status === 429 || status >= 500 || code === 'QUOTA_EXCEEDED' || code === 'UNAVAILABLE' || code === 'INTERNAL' || code === 'THIRD_PARTY_AUTH_ERROR') {
    return { status: 'failed', permanent: false, reason }
  }
  return { status: 'failed', permanent: true, reason }
}
