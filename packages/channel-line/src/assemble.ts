import { messagingApi } from '@line/bot-sdk'
import { parseOptions } from '@omotenashi/core'
import { LineChannel } from './line-channel.js'
import { LineSender } from './line-sender.js'
import { LineChannelOptionsSchema, type LineChannelOptions } from './options.js'
import type { LimiterTime } from './rate-limiter.js'
import { ReplyTokens } from './reply-tokens.js'
import { SeenIds } from './seen-ids.js'
import { OpenQuestions, SurveyBook } from './surveys.js'
import { TemplateSet } from './templates.js'
import { LineWebhookConnector } from './webhook-connector.js'
import { LineWebhookHandler } from './webhook-handler.js'

/** Everything the LINE module binds, assembled and linked. */
export interface LineParts {
  /** The channel (bound as a Channel). */
  readonly channel: LineChannel
  /** The webhook receiver. */
  readonly webhook: LineWebhookHandler
  /** The connector the hub starts (gives the webhook its `emit`). */
  readonly connector: LineWebhookConnector
  /** Route path of the webhook. */
  readonly webhookPath: string
  /** Fresh reply tokens per user (filled by the webhook, used by the channel). */
  readonly replyTokens: ReplyTokens
  /** Survey questions open to a free-text answer. */
  readonly openQuestions: OpenQuestions
}

/**
 * Builds the LINE channel, webhook handler and connector from options, without a hub: what
 * `lineChannel()` binds, and what a script or another framework can use directly.
 *
 * @param now - the clock for reply-token freshness, survey windows and de-duplication (the hub's clock in a hub).
 * @throws ValidationError naming each bad option; TemplateError for bad templates.
 */
export function createLineParts(options: LineChannelOptions, now: () => number = Date.now, time?: LimiterTime): LineParts {
  const o = parseOptions(LineChannelOptionsSchema, options, 'lineChannel')
  const client =
    o.client ?? new messagingApi.MessagingApiClient({ channelAccessToken: o.channelAccessToken, ...(o.baseUrl === undefined ? {} : { baseURL: o.baseUrl }) })
  const templates = new TemplateSet(o.templates, { requiredLocales: o.requiredLocales, defaultLocale: o.defaultLocale })
  const surveys = new SurveyBook(o.surveys, o.defaultLocale)
  const openQuestions = new OpenQuestions({ windowMs: o.surveyAnswerWindowMs, now })
  const replyTokens = new ReplyTokens({ ttlMs: o.replyTokenTtlMs, now })
  const sender = new LineSender({ client, rateLimits: o.rateLimit, retry: o.retry, timeoutMs: o.timeoutMs, ...(time === undefined ? {} : { time }) })
  const channel = new LineChannel({
    id: o.id,
    sender,
    templates,
    surveys,
    openQuestions,
    replyTokens,
    defaultLocale: o.defaultLocale,
    notificationDisabled: o.notificationDisabled,
    multicastConcurrency: o.multicastConcurrency,
  })
  const connector = new LineWebhookConnector(`${o.id}-webhook`)
  const webhook = new LineWebhookHandler({
    channelSecret: o.channelSecret,
    emit: () => connector.emit,
    seen: new SeenIds({ maxEntries: o.dedupe.maxEntries, ttlMs: o.dedupe.ttlMs, now }),
    surveys,
    openQuestions,
    replyTokens,
  })
  connector.attach(webhook)
  return { channel, webhook, connector, webhookPath: o.webhookPath, replyTokens, openQuestions }
}
