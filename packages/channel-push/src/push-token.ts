import * as z from 'zod'

/** A Web Push subscription as a browser's `PushSubscription.toJSON()` gives it. */
export const WebPushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}={0,2}$/, 'must be the base64url P-256 public key'),
    auth: z.string().regex(/^[A-Za-z0-9_-]{16,30}={0,2}$/, 'must be the base64url auth secret'),
  }),
})

/** A Web Push subscription. */
export type WebPushSubscription = z.infer<typeof WebPushSubscriptionSchema>

/** Which push service a token is for. */
export type PushTokenKind = 'webpush' | 'fcm' | 'apns'

/** A parsed device token. */
export type PushTarget =
  | { readonly kind: 'webpush'; readonly raw: string; readonly subscription: WebPushSubscription }
  | { readonly kind: 'fcm'; readonly raw: string; readonly token: string }
  | { readonly kind: 'apns'; readonly raw: string; readonly token: string }

/** The platform a token kind stands for, as `push.token_registered` names it. */
export const PLATFORM_OF: Readonly<Record<PushTokenKind, 'web' | 'android' | 'ios'>> = { webpush: 'web', fcm: 'android', apns: 'ios' }

/**
 * Reads a device token string (a value of the recipient's `deviceToken` identifiers). The kind
 * is in the string itself, so one identifier kind holds every device:
 *
 * - `apns:<hex>`: an APNs device token (64 to 200 hex digits).
 * - `fcm:<token>`: an FCM registration token.
 * - `webpush:<p256dh>.<auth>.<endpoint>`: a Web Push subscription, compact (fits the 512-character
 *   identifier limit; made by {@link formatWebPushToken}).
 * - `webpush:{…}` or `{…}`: a Web Push subscription as JSON (`PushSubscription.toJSON()`).
 *
 * A bare token without a prefix is refused: FCM and APNs tokens cannot be told apart reliably.
 */
export function parsePushToken(value: string): { ok: true; target: PushTarget } | { ok: false; reason: string } {
  const raw = value.trim()
  if (raw.startsWith('apns:')) {
    const token = raw.slice(5).toLowerCase()
    if (!/^(?:[0-9a-f]{2}){32,100}$/.test(token)) return { ok: false, reason: 'an apns: token must be 64 to 200 hex digits' }
    return { ok: true, target: { kind: 'apns', raw, token } }
  }
  if (raw.startsWith('fcm:')) {
    const token = raw.slice(4)
    if (!/^[A-Za-z0-9_:.-]{20,4096}$/.test(token)) return { ok: false, reason: 'an fcm: token must be an FCM registration token' }
    return { ok: true, target: { kind: 'fcm', raw, token } }
  }
  const body = raw.startsWith('webpush:') ? raw.slice(8) : raw.startsWith('{') ? raw : undefined
  if (body === undefined) return { ok: false, reason: 'the token kind is unknown: prefix it with apns:, fcm: or webpush:' }
  let candidate: unknown
  if (body.startsWith('{')) {
    try {
      candidate = JSON.parse(body)
    } catch {
      return { ok: false, reason: 'the webpush subscription is not valid JSON' }
    }
  } else {
    const first = body.indexOf('.')
    const second = body.indexOf('.', first + 1)
    if (first < 0 || second < 0) return { ok: false, reason: 'a compact webpush token is webpush:<p256dh>.<auth>.<endpoint>' }
    candidate = { endpoint: body.slice(second + 1), keys: { p256dh: body.slice(0, first), auth: body.slice(first + 1, second) } }
  }
  const parsed = WebPushSubscriptionSchema.safeParse(candidate)
  if (!parsed.success) {
    return { ok: false, reason: `the webpush subscription is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` }
  }
  return { ok: true, target: { kind: 'webpush', raw, subscription: parsed.data } }
}

/** The compact token string for a Web Push subscription: `webpush:<p256dh>.<auth>.<endpoint>`. */
export function formatWebPushToken(subscription: Pick<WebPushSubscription, 'endpoint' | 'keys'>): string {
  return `webpush:${subscription.keys.p256dh}.${subscription.keys.auth}.${subscription.endpoint}`
}

/** The token string for an FCM registration token. */
export function formatFcmToken(token: string): string {
  return `fcm:${token}`
}

/** The token string for an APNs device token (hex). */
export function formatApnsToken(token: string): string {
  return `apns:${token.toLowerCase()}`
}
