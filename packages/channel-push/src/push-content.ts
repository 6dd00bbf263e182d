import type { OutboundMessage } from '@omotenashi/core'
import * as z from 'zod'

/** Push-specific settings a message may carry under `content.push`. */
export const PushContentSchema = z
  .object({
    /** How long the push service keeps an undelivered notification (seconds). */
    ttlSeconds: z.number().int().min(0).max(2_419_200).optional(),
    /** Web Push / FCM urgency; APNs priority follows it (high and normal → 10, low → 5). */
    urgency: z.enum(['very-low', 'low', 'normal', 'high']).optional(),
    /** Replaces an earlier notification with the same key (Web Push Topic, FCM collapse_key, apns-collapse-id). */
    collapseKey: z.string().min(1).max(200).optional(),
    /** Extra key/values for the app (strings on FCM). */
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** iOS badge. */
    badge: z.number().int().min(0).optional(),
    /** Sound name (APNs) or `default`. */
    sound: z.string().min(1).max(200).optional(),
    /** `background`: a silent push (APNs content-available, priority 5). Default `alert`. */
    pushType: z.enum(['alert', 'background']).optional(),
    /** APNs thread id (notification grouping). */
    threadId: z.string().min(1).max(200).optional(),
  })
  .strict()

/** Push-specific settings of a message. */
export type PushContent = z.infer<typeof PushContentSchema>

/** Everything a provider needs to build its request. */
export interface PushNotification {
  readonly title?: string
  readonly body?: string
  /** Deep link: an https URL or an app scheme (`myapp://product/123`). */
  readonly url?: string
  readonly actionId: string
  readonly decisionId?: string
  readonly ttlSeconds: number
  readonly urgency: 'very-low' | 'low' | 'normal' | 'high'
  readonly collapseKey?: string
  readonly data: Readonly<Record<string, string | number | boolean>>
  readonly badge?: number
  readonly sound?: string
  readonly pushType: 'alert' | 'background'
  readonly threadId?: string
}

/** Builds a {@link PushNotification} from a message and the channel's defaults; explains what is wrong otherwise. */
export function toNotification(
  message: OutboundMessage,
  defaults: { readonly ttlSeconds: number; readonly urgency: PushNotification['urgency'] },
): { ok: true; notification: PushNotification } | { ok: false; reason: string } {
  const parsed = PushContentSchema.safeParse(message.content?.['push'] ?? {})
  if (!parsed.success) {
    return { ok: false, reason: `content.push is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` }
  }
  const c = parsed.data
  const pushType = c.pushType ?? 'alert'
  if (pushType === 'alert' && message.title === undefined && message.text === undefined) {
    return { ok: false, reason: 'an alert push needs a title or text' }
  }
  return {
    ok: true,
    notification: {
      actionId: message.actionId,
      ttlSeconds: c.ttlSeconds ?? defaults.ttlSeconds,
      urgency: c.urgency ?? defaults.urgency,
      data: c.data ?? {},
      pushType,
      ...(message.title === undefined ? {} : { title: message.title }),
      ...(message.text === undefined ? {} : { body: message.text }),
      ...(message.url === undefined ? {} : { url: message.url }),
      ...(message.decisionId === undefined ? {} : { decisionId: message.decisionId }),
      ...(c.collapseKey === undefined ? {} : { collapseKey: c.collapseKey }),
      ...(c.badge === undefined ? {} : { badge: c.badge }),
      ...(c.sound === undefined ? {} : { sound: c.sound }),
      ...(c.threadId === undefined ? {} : { threadId: c.threadId }),
    },
  }
}

/** What one provider call came to. */
export type ProviderOutcome =
  | { readonly status: 'sent'; readonly id?: string }
  /** The token is dead (404/410, UNREGISTERED, BadDeviceToken): never send to it again. */
  | { readonly status: 'revoked'; readonly reason: string }
  | { readonly status: 'failed'; readonly permanent: boolean; readonly reason: string }

/** One push service (Web Push, FCM, APNs) behind the channel. */
export interface PushProvider<TTarget> {
  /** Sends one notification to one device. Never throws: failures are outcomes. */
  send(target: TTarget, notification: PushNotification, idempotencyKey: string): Promise<ProviderOutcome>
  /** Releases connections. */
  close?(): Promise<void>
}
