import * as z from 'zod'

/** The source of a webhook event (only what the channel reads). */
const SourceSchema = z.looseObject({
  type: z.enum(['user', 'group', 'room']),
  userId: z.string().min(1).max(100).optional(),
})

/** One webhook event, as far as this channel reads it; other fields pass through. */
export const WebhookEventSchema = z.looseObject({
  type: z.string().min(1).max(50),
  timestamp: z.number().int().nonnegative(),
  mode: z.enum(['active', 'standby']),
  webhookEventId: z.string().min(1).max(100),
  deliveryContext: z.looseObject({ isRedelivery: z.boolean() }),
  source: SourceSchema.optional(),
  replyToken: z.string().min(1).optional(),
  message: z.looseObject({ id: z.string().min(1), type: z.string().min(1), text: z.string().optional() }).optional(),
  postback: z.looseObject({ data: z.string(), params: z.record(z.string(), z.string()).optional() }).optional(),
  follow: z.looseObject({ isUnblocked: z.boolean() }).optional(),
})

/** One webhook event. */
export type WebhookEvent = z.infer<typeof WebhookEventSchema>

/** The webhook request body: the bot's user id and the events (empty when LINE checks the URL). */
export const WebhookBodySchema = z.looseObject({
  destination: z.string().min(1).max(100),
  events: z.array(WebhookEventSchema),
})

/** The webhook request body. */
export type WebhookBody = z.infer<typeof WebhookBodySchema>
