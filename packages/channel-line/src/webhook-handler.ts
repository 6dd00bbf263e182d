import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, issuesFromZod, readBody, sendJson, type Emit, type EventInput } from '@omotenashi/core'
import type { SeenIds } from './seen-ids.js'
import { verifyLineSignature } from './signature.js'
import { translateWebhookEvent, type TranslateContext } from './translate.js'
import { WebhookBodySchema, type WebhookBody } from './webhook-body.js'

/** What the handler answers: an HTTP status and a JSON body. */
export interface WebhookResponse {
  readonly status: number
  readonly body: Readonly<Record<string, unknown>>
}

/** Counters of what the webhook took in. */
export interface WebhookCounters {
  received: number
  ingested: number
  duplicates: number
  ignored: number
  rejected: number
  badSignatures: number
  malformed: number
}

/** Options of {@link LineWebhookHandler}. */
export interface LineWebhookHandlerOptions extends TranslateContext {
  /** The channel secret the signatures are made with. */
  readonly channelSecret: string
  /** Where events go; undefined while the hub is not running (the webhook then answers 503). */
  readonly emit: () => Emit | undefined
  /** Recently seen webhookEventIds. */
  readonly seen: SeenIds
  /** Largest body accepted (bytes). Default 1 MiB. */
  readonly maxBodyBytes?: number
}

function error(status: number, code: string, message: string, details?: unknown): WebhookResponse {
  return { status, body: { error: details === undefined ? { code, message } : { code, message, details } } }
}

/**
 * The LINE webhook receiver, framework-neutral: {@link handleRaw} takes the raw body and the
 * `X-Line-Signature` header, {@link handle} takes Node's request and response. The signature is
 * checked on the raw bytes before anything is parsed: a bad one gets 401 and nothing is taken
 * in. A body that is not a LINE webhook gets 400 with the reason. LINE's URL check (no events)
 * gets 200.
 */
export class LineWebhookHandler {
  /** What came in since start. */
  readonly counters: WebhookCounters = { received: 0, ingested: 0, duplicates: 0, ignored: 0, rejected: 0, badSignatures: 0, malformed: 0 }
  /** When the last event was taken in (ISO). */
  lastEventAt: string | undefined
  readonly #options: LineWebhookHandlerOptions
  readonly #inflight = new Set<Promise<unknown>>()

  constructor(options: LineWebhookHandlerOptions) {
    this.#options = options
  }

  /** Handles a webhook request on Node's request/response (reads the raw body itself). */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: Buffer
    try {
      body = await readBody(request, this.#options.maxBodyBytes)
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode ?? 400
      const answer = error(status, ErrorCode.Validation, (e as Error).message)
      sendJson(response, answer.status, answer.body)
      return
    }
    const signature = request.headers['x-line-signature']
    const answer = await this.handleRaw(body, Array.isArray(signature) ? signature[0] : signature)
    sendJson(response, answer.status, answer.body)
  }

  /** Handles a webhook given its raw body and `X-Line-Signature`. */
  async handleRaw(rawBody: Buffer, signature: string | undefined): Promise<WebhookResponse> {
    if (!verifyLineSignature(rawBody, signature, this.#options.channelSecret)) {
      this.counters.badSignatures++
      return error(401, ErrorCode.Unauthorized, signature ? 'X-Line-Signature does not match the body' : 'X-Line-Signature is missing')
    }
    let json: unknown
    try {
      json = JSON.parse(rawBody.toString('utf8'))
    } catch (e) {
      this.counters.malformed++
      return error(400, ErrorCode.Validation, `body is not JSON: ${(e as Error).message}`)
    }
    const parsed = WebhookBodySchema.safeParse(json)
    if (!parsed.success) {
      this.counters.malformed++
      const issues = issuesFromZod(parsed.error)
      return error(400, ErrorCode.Validation, `body is not a LINE webhook: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues })
    }
    const events = parsed.data.events
    if (events.length === 0) return { status: 200, body: { received: 0 } }
    const emit = this.#options.emit()
    if (!emit) return error(503, ErrorCode.NotStarted, 'the hub is not running; LINE may redeliver')
    const run = this.#ingest(events, emit)
    this.#inflight.add(run)
    try {
      return await run
    } finally {
      this.#inflight.delete(run)
    }
  }

  /** Resolves once no request is being taken in. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
  }

  async #ingest(events: WebhookBody['events'], emit: Emit): Promise<WebhookResponse> {
    const summary = { received: events.length, ingested: 0, duplicates: 0, ignored: 0, rejected: 0 }
    for (const event of events) {
      this.counters.received++
      if (this.#options.seen.has(event.webhookEventId)) {
        summary.duplicates++
        this.counters.duplicates++
        continue
      }
      const inputs: EventInput[] = translateWebhookEvent(event, this.#options)
      if (inputs.length === 0) {
        summary.ignored++
        this.counters.ignored++
      }
      for (const input of inputs) {
        const result = await emit(input)
        if (result.ok) {
          summary.ingested++
          this.counters.ingested++
          this.lastEventAt = new Date().toISOString()
          continue
        }
        const code = (result.error as { code?: string }).code
        if (code === ErrorCode.Stopped) return error(503, ErrorCode.Stopped, 'the hub stopped while taking events in; LINE may redeliver', summary)
        // Refused by the catalogue: redelivering cannot fix it. Counted, reported, not retried.
        summary.rejected++
        this.counters.rejected++
      }
      this.#options.seen.add(event.webhookEventId)
    }
    return { status: 200, body: summary }
  }
}
