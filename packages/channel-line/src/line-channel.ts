import type { messagingApi } from '@line/bot-sdk'
import type { Channel, ChannelCapabilities, DeliveryResult, EventInput, OutboundMessage, Recipient, SendOptions } from '@omotenashi/core'
import { LINE_REACHABILITY_CHANGED } from './events.js'
import type { LineFailure } from './line-errors.js'
import type { CallOutcome, LineSender } from './line-sender.js'
import type { LineMessage } from './line-message.js'
import { buildMessages } from './outbound.js'
import type { ReplyTokens } from './reply-tokens.js'
import { retryKeyFor } from './retry-key.js'
import type { OpenQuestions, SurveyBook } from './surveys.js'
import type { TemplateSet } from './templates.js'

/** LINE's limit of recipients per multicast request. */
export const MULTICAST_MAX = 500

/** What {@link LineChannel} is built from (the module factory assembles it). */
export interface LineChannelParts {
  readonly id: string
  readonly sender: LineSender
  readonly templates: TemplateSet
  readonly surveys: SurveyBook
  readonly openQuestions: OpenQuestions
  readonly replyTokens: ReplyTokens
  readonly defaultLocale: string
  readonly notificationDisabled: boolean
  readonly multicastConcurrency: number
}

/** The outcome of one multicast batch. */
export interface MulticastBatchResult {
  /** Index of the batch (batches are cut in input order). */
  readonly index: number
  /** How many users it addressed. */
  readonly size: number
  /** `sent`, `duplicate` (accepted earlier under the same key) or `failed`. */
  readonly status: DeliveryResult['status']
  readonly permanent?: boolean
  readonly reason?: string
  readonly providerMessageId?: string
}

/** The outcome of {@link LineChannel.multicast}. */
export interface MulticastResult {
  /** Users in batches LINE accepted (now or under the same key before). */
  readonly accepted: number
  /** Users in batches that failed. */
  readonly failed: number
  /** Input entries refused before sending (duplicates, empty ids), by index. */
  readonly rejected: ReadonlyArray<{ readonly index: number; readonly reason: string }>
  /** Every batch. */
  readonly batches: readonly MulticastBatchResult[]
}

/**
 * The LINE channel: push (or reply, while a reply token is fresh) to one customer, multicast to
 * many. Every push and multicast carries an `X-Line-Retry-Key` derived from the idempotency key.
 * Never throws for LINE's failures: they come back as `failed`, `permanent` when retrying cannot
 * help.
 */
export class LineChannel implements Channel {
  readonly id: string
  readonly capabilities: ChannelCapabilities = { addressKind: 'lineUserId', rich: true, twoWay: true, maxBatch: MULTICAST_MAX }
  readonly #parts: LineChannelParts

  constructor(parts: LineChannelParts) {
    this.id = parts.id
    this.#parts = parts
  }

  /** Sends one message to one customer (their most recent `lineUserId`). */
  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    const userId = recipient.identifiers['lineUserId']?.[0]
    if (userId === undefined) return { status: 'failed', permanent: true, reason: 'the recipient has no lineUserId' }
    const locale = message.locale ?? recipient.locale ?? this.#parts.defaultLocale
    const built = buildMessages(message, locale, this.#parts.templates, this.#parts.surveys)
    if (!built.ok) return { status: 'failed', permanent: true, reason: built.reason }
    const notificationDisabled = built.content.notificationDisabled ?? this.#parts.notificationDisabled

    let result: DeliveryResult | undefined
    const replyToken = built.content.replyToken ?? this.#parts.replyTokens.take(userId)
    if (replyToken !== undefined) {
      const outcome = await this.#parts.sender.reply({ replyToken, messages: asSdk(built.messages), notificationDisabled }, options.signal)
      // A used-up or expired token is no failure of the message: push it instead.
      if (!(outcome.outcome === 'failed' && outcome.failure.kind === 'invalid_reply_token')) result = this.#result(outcome, recipient, userId)
    }
    result ??= this.#result(
      await this.#parts.sender.push({ to: userId, messages: asSdk(built.messages), notificationDisabled }, retryKeyFor(options.idempotencyKey), options.signal),
      recipient,
      userId,
    )
    if (built.survey && result.status !== 'failed') this.#parts.openQuestions.asked(userId, built.survey)
    return result
  }

  /**
   * Sends one message to many LINE users, in batches of at most 500, a few batches at a time
   * under the multicast rate limit. Batch `i` carries the retry key derived from
   * `${idempotencyKey}:${i}`: calling again with the same key and the same list sends nothing
   * twice. Templates render once (with `message.variables`), in `locale`.
   */
  async multicast(message: OutboundMessage, lineUserIds: readonly string[], options: SendOptions & { readonly locale?: string }): Promise<MulticastResult> {
    const rejected: Array<{ index: number; reason: string }> = []
    const seen = new Set<string>()
    const users: string[] = []
    for (const [index, id] of lineUserIds.entries()) {
      if (typeof id !== 'string' || id.length === 0) rejected.push({ index, reason: 'empty lineUserId' })
      else if (seen.has(id)) rejected.push({ index, reason: 'listed twice' })
      else {
        seen.add(id)
        users.push(id)
      }
    }
    const built = buildMessages(message, options.locale ?? message.locale ?? this.#parts.defaultLocale, this.#parts.templates, this.#parts.surveys)
    const batches: Array<readonly string[]> = []
    for (let i = 0; i < users.length; i += MULTICAST_MAX) batches.push(users.slice(i, i + MULTICAST_MAX))
    if (!built.ok) {
      return { accepted: 0, failed: users.length, rejected, batches: batches.map((b, index) => ({ index, size: b.length, status: 'failed', permanent: true, reason: built.reason })) }
    }
    const notificationDisabled = built.content.notificationDisabled ?? this.#parts.notificationDisabled
    const results: MulticastBatchResult[] = new Array<MulticastBatchResult>(batches.length)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const index = next++
        const to = [...batches[index]!]
        const outcome = await this.#parts.sender.multicast({ to, messages: asSdk(built.messages), notificationDisabled }, retryKeyFor(`${options.idempotencyKey}:${index}`), options.signal)
        results[index] = { index, size: to.length, ...toDelivery(outcome) }
        if (built.survey && outcome.outcome !== 'failed') for (const user of to) this.#parts.openQuestions.asked(user, built.survey)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#parts.multicastConcurrency, batches.length) }, worker))
    let accepted = 0
    let failed = 0
    for (const r of results) if (r.status === 'failed') failed += r.size
    else accepted += r.size
    return { accepted, failed, rejected, batches: results }
  }

  #result(outcome: CallOutcome, recipient: Recipient, userId: string): DeliveryResult {
    const result = toDelivery(outcome)
    if (outcome.outcome === 'failed' && outcome.failure.kind === 'unknown_recipient') {
      const event: EventInput = {
        type: LINE_REACHABILITY_CHANGED,
        source: 'line',
        identity: { customerId: recipient.customerId, lineUserId: userId },
        data: { channel: 'line', reachable: false, reason: outcome.failure.reason },
      }
      return { ...result, events: [event] }
    }
    return result
  }
}

function toDelivery(outcome: CallOutcome): { status: DeliveryResult['status']; permanent?: boolean; reason?: string; providerMessageId?: string } {
  if (outcome.outcome === 'accepted') {
    const id = outcome.sentMessageIds[0] ?? outcome.requestId
    return id === undefined ? { status: 'sent' } : { status: 'sent', providerMessageId: id }
  }
  if (outcome.outcome === 'duplicate') return outcome.requestId === undefined ? { status: 'duplicate' } : { status: 'duplicate', providerMessageId: outcome.requestId }
  return { status: 'failed', permanent: isPermanent(outcome.failure), reason: outcome.failure.reason }
}

function isPermanent(failure: LineFailure): boolean {
  return failure.kind === 'unknown_recipient' || failure.kind === 'rejected' || failure.kind === 'invalid_reply_token'
}

/**
 * Our message schema checks what each type requires; the SDK's types are stricter about the
 * nested flex shapes, which LINE (and the contract-checking test server) verify instead.
 */
function asSdk(messages: readonly LineMessage[]): messagingApi.Message[] {
  return messages as unknown as messagingApi.Message[]
}
