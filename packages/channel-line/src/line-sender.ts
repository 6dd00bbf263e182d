import type { messagingApi } from '@line/bot-sdk'
import { classifyLineError, LineTimeoutError, type LineFailure } from './line-errors.js'
import { RateLimiter, realTime, type LimiterTime } from './rate-limiter.js'

/**
 * The part of @line/bot-sdk's `messagingApi.MessagingApiClient` this channel calls. Pass a
 * ready-made client (or anything shaped like it) as the `client` option.
 */
export type LineMessagingClient = Pick<messagingApi.MessagingApiClient, 'pushMessageWithHttpInfo' | 'multicastWithHttpInfo' | 'replyMessageWithHttpInfo'>

/** Requests per second per endpoint (LINE's published limits are the defaults). */
export interface LineRateLimits {
  /** Push: 2,000 requests/s. */
  readonly push: number
  /** Multicast: 200 requests/s. */
  readonly multicast: number
  /** Reply: 2,000 requests/s. */
  readonly reply: number
}

/** How the sender retries. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number
  /** First backoff; doubled each attempt, with jitter. */
  readonly baseDelayMs: number
  /** Longest backoff. */
  readonly maxDelayMs: number
}

/** The outcome of one API request after retries. */
export type CallOutcome =
  | { readonly outcome: 'accepted'; readonly requestId?: string; readonly sentMessageIds: readonly string[]; readonly attempts: number }
  | { readonly outcome: 'duplicate'; readonly requestId?: string; readonly attempts: number }
  | { readonly outcome: 'failed'; readonly failure: LineFailure; readonly attempts: number }

type Endpoint = keyof LineRateLimits

interface ApiResponse {
  readonly httpResponse: { readonly headers: Headers }
  readonly body: unknown
}

/** Options of {@link LineSender}. */
export interface LineSenderOptions {
  readonly client: LineMessagingClient
  readonly rateLimits: LineRateLimits
  readonly retry: RetryPolicy
  /** Per-request timeout. */
  readonly timeoutMs: number
  /** Time source for the limiter and backoff (real time by default). */
  readonly time?: LimiterTime
}

/**
 * Calls LINE with the retry key, the client-side rate limiter, timeouts and retries. Retries go
 * out with the same `X-Line-Retry-Key`, so LINE itself guarantees a message is accepted once
 * (a retry of an accepted request gets 409, counted as a duplicate).
 */
export class LineSender {
  readonly #client: LineMessagingClient
  readonly #limiters: Record<Endpoint, RateLimiter>
  readonly #retry: RetryPolicy
  readonly #timeoutMs: number
  readonly #time: LimiterTime

  constructor(options: LineSenderOptions) {
    this.#client = options.client
    this.#time = options.time ?? realTime
    this.#limiters = {
      push: new RateLimiter(options.rateLimits.push, 1, this.#time),
      multicast: new RateLimiter(options.rateLimits.multicast, 1, this.#time),
      reply: new RateLimiter(options.rateLimits.reply, 1, this.#time),
    }
    this.#retry = options.retry
    this.#timeoutMs = options.timeoutMs
  }

  /** Push to one user. */
  push(request: messagingApi.PushMessageRequest, retryKey: string, signal?: AbortSignal): Promise<CallOutcome> {
    return this.#call('push', () => this.#client.pushMessageWithHttpInfo(request, retryKey), signal, false)
  }

  /** Multicast to at most 500 users. */
  multicast(request: messagingApi.MulticastRequest, retryKey: string, signal?: AbortSignal): Promise<CallOutcome> {
    return this.#call('multicast', () => this.#client.multicastWithHttpInfo(request, retryKey), signal, false)
  }

  /**
   * Reply with a reply token. Replies carry no retry key; the token is single-use instead, so a
   * retry after an unanswered attempt that LINE refuses as "invalid reply token" means the first
   * attempt went through: it counts as a duplicate, not a failure.
   */
  reply(request: messagingApi.ReplyMessageRequest, signal?: AbortSignal): Promise<CallOutcome> {
    return this.#call('reply', () => this.#client.replyMessageWithHttpInfo(request), signal, true)
  }

  async #call(endpoint: Endpoint, send: () => Promise<ApiResponse>, signal: AbortSignal | undefined, isReply: boolean): Promise<CallOutcome> {
    let ambiguous = false
    let last: LineFailure = { kind: 'transient', reason: 'not attempted' }
    for (let attempt = 1; attempt <= this.#retry.maxAttempts; attempt++) {
      if (signal?.aborted) return { outcome: 'failed', failure: { kind: 'transient', reason: 'send aborted' }, attempts: attempt - 1 }
      try {
        await this.#limiters[endpoint].acquire(signal)
        const response = await this.#withTimeout(send())
        return { outcome: 'accepted', ...requestIdOf(response), sentMessageIds: sentIds(response.body), attempts: attempt }
      } catch (error) {
        if (signal?.aborted) return { outcome: 'failed', failure: { kind: 'transient', reason: 'send aborted' }, attempts: attempt }
        const failure = classifyLineError(error)
        last = failure
        if (failure.kind === 'duplicate') {
          return failure.acceptedRequestId === undefined ? { outcome: 'duplicate', attempts: attempt } : { outcome: 'duplicate', requestId: failure.acceptedRequestId, attempts: attempt }
        }
        if (isReply && ambiguous && failure.kind === 'invalid_reply_token') return { outcome: 'duplicate', attempts: attempt }
        if (failure.kind !== 'transient' && failure.kind !== 'rate_limited') return { outcome: 'failed', failure, attempts: attempt }
        // A 5xx or a timeout may have been accepted all the same: that is what the retry key is for.
        if (failure.kind === 'transient') ambiguous = true
        if (attempt === this.#retry.maxAttempts) break
        const backoff = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1))
        const delay = failure.kind === 'rate_limited' ? Math.max(failure.retryAfterMs ?? 0, backoff) : backoff * (0.5 + Math.random() / 2)
        if (failure.kind === 'rate_limited') this.#limiters[endpoint].pause(delay)
        try {
          await this.#time.sleep(delay, signal)
        } catch {
          return { outcome: 'failed', failure: { kind: 'transient', reason: 'send aborted' }, attempts: attempt }
        }
      }
    }
    return { outcome: 'failed', failure: { ...last, reason: `${last.reason} (gave up after ${this.#retry.maxAttempts} attempts)` }, attempts: this.#retry.maxAttempts }
  }

  async #withTimeout<T>(promise: Promise<T>): Promise<T> {
    // The SDK's fetch takes no AbortSignal: the late answer is ignored, and a retry with the same
    // key is safe because LINE answers it with 409 if the late request was accepted.
    promise.catch(() => undefined)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LineTimeoutError(this.#timeoutMs)), this.#timeoutMs)
    })
    try {
      return await Promise.race([promise, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}

function requestIdOf(response: ApiResponse): { requestId?: string } {
  const id = response.httpResponse?.headers?.get?.('x-line-request-id')
  return id ? { requestId: id } : {}
}

function sentIds(body: unknown): string[] {
  const sent = (body as { sentMessages?: Array<{ id?: unknown }> } | null)?.sentMessages
  return Array.isArray(sent) ? sent.map((m) => m.id).filter((id): id is string => typeof id === 'string') : []
}
