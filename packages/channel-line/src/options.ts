import * as z from 'zod'
import type { LineMessagingClient } from './line-sender.js'
import type { SurveyInput } from './surveys.js'
import type { TemplateInput } from './templates.js'

const isClient = (value: unknown): value is LineMessagingClient =>
  typeof value === 'object' &&
  value !== null &&
  ['pushMessageWithHttpInfo', 'multicastWithHttpInfo', 'replyMessageWithHttpInfo'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function')

const perSecond = z.number().positive().max(100_000)

/** Options of `lineChannel()`, validated with zod (errors name the field). */
export const LineChannelOptionsSchema = z.object({
  /** Long-lived or v2.1 channel access token. */
  channelAccessToken: z.string().min(1, 'is required'),
  /** Channel secret: webhook signatures are checked with it. */
  channelSecret: z.string().min(1, 'is required'),
  /** Messaging API base URL (a local test server in tests). Default `https://api.line.me`. */
  baseUrl: z.url().optional(),
  /** A ready-made @line/bot-sdk `messagingApi.MessagingApiClient` (or any object with its push, multicast and reply methods). */
  client: z.custom<LineMessagingClient>(isClient, 'must have pushMessageWithHttpInfo, multicastWithHttpInfo and replyMessageWithHttpInfo').optional(),
  /** Channel id in the hub. Default `line`. */
  id: z.string().regex(/^[a-z][a-z0-9_-]*$/).default('line'),
  /** Message templates by id; checked at load. */
  templates: z.record(z.string().min(1), z.custom<TemplateInput>((v) => typeof v === 'object' && v !== null, 'must be a template object')).default({}),
  /** Locales every template must have, e.g. `['ja', 'en']`. Default none. */
  requiredLocales: z.array(z.string().min(2)).default([]),
  /** Locale used when the customer's is unknown or a template lacks it. Default `ja`. */
  defaultLocale: z.string().min(2).default('ja'),
  /** Surveys the channel can ask (`content.line.survey`). */
  surveys: z.array(z.custom<SurveyInput>((v) => typeof v === 'object' && v !== null, 'must be a survey object')).default([]),
  /** How long after a question a free-text reply counts as its answer (ms). Default 30 min. */
  surveyAnswerWindowMs: z.number().int().positive().default(30 * 60_000),
  /** Client-side rate limits in requests/s. Defaults: LINE's published push 2,000, multicast 200, reply 2,000. */
  rateLimit: z.object({ push: perSecond.default(2000), multicast: perSecond.default(200), reply: perSecond.default(2000) }).default({ push: 2000, multicast: 200, reply: 2000 }),
  /** Retries of 5xx, timeouts and 429s (same retry key every time). */
  retry: z
    .object({ maxAttempts: z.number().int().min(1).max(20).default(5), baseDelayMs: z.number().int().min(0).default(500), maxDelayMs: z.number().int().min(0).default(30_000) })
    .default({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 }),
  /** Per-request timeout (ms). Default 10 s. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Send silently unless a message says otherwise. Default false. */
  notificationDisabled: z.boolean().default(false),
  /** Use a user's reply token for a send this soon after their message (ms); 0 never replies. Default 50 s. */
  replyTokenTtlMs: z.number().int().min(0).default(50_000),
  /** Batches of a multicast in flight at once. Default 4. */
  multicastConcurrency: z.number().int().min(1).max(64).default(4),
  /** Webhook route path. Default `/webhooks/line`. */
  webhookPath: z.string().startsWith('/').default('/webhooks/line'),
  /** webhookEventIds remembered to drop redeliveries. Default 100,000 ids for 24 h. */
  dedupe: z.object({ maxEntries: z.number().int().positive().default(100_000), ttlMs: z.number().int().positive().default(86_400_000) }).default({ maxEntries: 100_000, ttlMs: 86_400_000 }),
})

/** Options of `lineChannel()` as written. */
export type LineChannelOptions = z.input<typeof LineChannelOptionsSchema>

/** Options of `lineChannel()` with defaults applied. */
export type ResolvedLineChannelOptions = z.output<typeof LineChannelOptionsSchema>
