import { createHash } from 'node:crypto'
import type { Connector, ConnectorHealth, Emit, EmitResult, EventInput } from '@omotenashi/core'
import { header, type HeaderMap } from './mime-lite.js'
import { parseFeedbackReport } from './feedback-report.js'
import { verifyRefToken, verifyUnsubscribeToken, type UnsubscribeClaims, type UnsubscribeTokenError } from './signed-tokens.js'

/** Options of {@link EmailFeedback}. */
export interface EmailFeedbackOptions {
  /** Channel id the events name (`email`). */
  readonly channel: string
  /** Secrets tokens are checked against (current first, then retired ones). */
  readonly secrets: readonly string[]
  /** Links older than this are refused. Default: never expire. */
  readonly maxAgeSeconds?: number
  /** Time source (epoch ms). */
  readonly now: () => number
}

/** The result of {@link EmailFeedback.unsubscribe}. */
export type UnsubscribeOutcome =
  | { readonly ok: true; readonly claims: UnsubscribeClaims; readonly eventId: string }
  | { readonly ok: false; readonly error: UnsubscribeTokenError | 'not_started' | 'refused'; readonly detail?: string }

/** The result of {@link EmailFeedback.ingestReport}. */
export interface IngestOutcome {
  /** What the report was. */
  readonly kind: 'bounce' | 'complaint' | 'unknown'
  /** Events published. */
  readonly published: number
  /** Why nothing (or not everything) could be tied to a customer. */
  readonly problems: readonly string[]
}

/**
 * Brings what email sends back into the hub: one-click unsubscribes, bounces and complaints.
 * It is the package's {@link Connector}: the hub starts it with its `emit`, and the HTTP routes
 * and {@link EmailFeedback.ingestReport} publish through it.
 */
export class EmailFeedback implements Connector {
  readonly id: string
  readonly #options: EmailFeedbackOptions
  #emit: Emit | undefined
  #lastEventAt: string | undefined
  readonly #counters = { unsubscribes: 0, bounces: 0, complaints: 0, refused: 0 }

  constructor(options: EmailFeedbackOptions) {
    this.id = `${options.channel}-feedback`
    this.#options = options
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
  }

  async stop(): Promise<void> {
    this.#emit = undefined
  }

  async health(): Promise<ConnectorHealth> {
    return {
      status: this.#emit ? 'up' : 'down',
      counters: { ...this.#counters },
      ...(this.#lastEventAt === undefined ? {} : { lastEventAt: this.#lastEventAt }),
    }
  }

  /** Whether the hub has started this connector (events can be published). */
  get started(): boolean {
    return this.#emit !== undefined
  }

  /**
   * Records a one-click unsubscribe: verifies the token and publishes `consent.changed`
   * (`granted: false`) for the customer. The event id is derived from the token, so a link
   * clicked twice records one opt-out.
   */
  async unsubscribe(token: string): Promise<UnsubscribeOutcome> {
    const verified = verifyUnsubscribeToken(this.#options.secrets, token, {
      now: this.#options.now(),
      ...(this.#options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: this.#options.maxAgeSeconds }),
    })
    if (!verified.ok) {
      this.#counters.refused++
      return verified
    }
    const { claims } = verified
    const eventId = `email-unsubscribe:${createHash('sha256').update(token).digest('hex').slice(0, 40)}`
    const data: Record<string, unknown> = { channel: this.#options.channel, granted: false, reason: 'list-unsubscribe' }
    if (claims.purpose !== undefined) data['purpose'] = claims.purpose
    if (claims.actionId !== undefined) data['actionId'] = claims.actionId
    const result = await this.#publish({ id: eventId, type: 'consent.changed', source: 'email', identity: { customerId: claims.customerId }, data })
    if (!result.ok) return { ok: false, error: result.error === undefined ? 'not_started' : 'refused', ...(result.error ? { detail: result.error.message } : {}) }
    this.#counters.unsubscribes++
    return { ok: true, claims, eventId }
  }

  /**
   * Takes in a bounce (RFC 3464 delivery status notification) or a complaint (RFC 5965 ARF
   * report), as the raw message a mailbox or the provider forwarded. The customer is found from
   * the signed `X-Omotenashi-Ref` header the channel put on the original email, which reports
   * return. Hard bounces publish `message.failed` (permanent) and `email.bounced`; soft bounces
   * `email.bounced`; complaints `consent.changed` (granted false) and `email.complained`.
   */
  async ingestReport(raw: string | Buffer): Promise<IngestOutcome> {
    const report = parseFeedbackReport(raw)
    if (report.kind === 'unknown') return { kind: 'unknown', published: 0, problems: [report.reason] }
    const ref = this.#reference(report.original)
    if (!ref.ok) return { kind: report.kind, published: 0, problems: [ref.problem] }
    const { claims, messageId } = ref
    const identity = { customerId: claims.customerId }
    const base: Record<string, unknown> = {}
    if (claims.actionId !== undefined) base['actionId'] = claims.actionId
    if (messageId !== undefined) base['messageId'] = messageId
    const idBase = createHash('sha256').update(typeof raw === 'string' ? raw : raw.toString('utf8')).digest('hex').slice(0, 32)
    const events: EventInput[] = []
    if (report.kind === 'bounce') {
      for (const [i, r] of report.recipients.entries()) {
        const data = { ...base, severity: r.severity, action: r.action, ...(r.status === undefined ? {} : { status: r.status }) }
        events.push({ id: `email-bounce:${idBase}:${i}`, type: 'email.bounced', source: 'email', identity, data })
        if (r.severity === 'hard') {
          events.push({
            id: `email-bounce-failed:${idBase}:${i}`,
            type: 'message.failed',
            source: 'email',
            identity,
            data: { ...base, channel: this.#options.channel, permanent: true, unreachable: true, reason: `bounce ${r.status ?? r.action}` },
          })
        }
      }
      this.#counters.bounces++
    } else {
      events.push({ id: `email-complaint:${idBase}`, type: 'email.complained', source: 'email', identity, data: { ...base, feedbackType: report.feedbackType } })
      events.push({
        id: `email-complaint-consent:${idBase}`,
        type: 'consent.changed',
        source: 'email',
        identity,
        data: { channel: this.#options.channel, granted: false, reason: `complaint (${report.feedbackType})` },
      })
      this.#counters.complaints++
    }
    const problems: string[] = []
    let published = 0
    for (const event of events) {
      const result = await this.#publish(event)
      if (result.ok) published++
      else problems.push(result.error ? `${event.type}: ${result.error.message}` : 'the hub has not started the email feedback connector')
    }
    return { kind: report.kind, published, problems }
  }

  #reference(original: HeaderMap | undefined): { ok: true; claims: UnsubscribeClaims; messageId?: string } | { ok: false; problem: string } {
    if (!original) return { ok: false, problem: 'the report does not include the original headers' }
    const value = header(original, 'x-omotenashi-ref')
    if (value === undefined) return { ok: false, problem: 'the original email has no X-Omotenashi-Ref header (not sent by this channel?)' }
    const verified = verifyRefToken(this.#options.secrets, value.replace(/\s+/g, ''))
    if (!verified.ok) return { ok: false, problem: `the X-Omotenashi-Ref header is not valid (${verified.error})` }
    // Outcome events cap ids at 200 characters; a longer Message-ID is left out rather than cut.
    const rawId = header(original, 'message-id')
    const messageId = rawId !== undefined && rawId.length <= 200 ? rawId : undefined
    return { ok: true, claims: verified.claims, ...(messageId === undefined ? {} : { messageId }) }
  }

  async #publish(event: EventInput): Promise<EmitResult | { ok: false; error: undefined }> {
    if (!this.#emit) return { ok: false, error: undefined }
    const result = await this.#emit(event)
    if (result.ok) this.#lastEventAt = new Date(this.#options.now()).toISOString()
    return result
  }
}
