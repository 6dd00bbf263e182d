/** How a failed LINE API call is to be handled. */
export type LineFailureKind =
  /** The retry key was accepted before: the message went out once already. */
  | 'duplicate'
  /** 429: wait, then retry with the same key. */
  | 'rate_limited'
  /** 5xx, network error, timeout: retry with the same key. */
  | 'transient'
  /** The recipient does not exist for this channel (LINE: 400 "Failed to send messages", 404). */
  | 'unknown_recipient'
  /** A reply token that is used up or expired. */
  | 'invalid_reply_token'
  /** 401: the channel access token is wrong or expired; an operator must fix it, retrying later may help. */
  | 'unauthorized'
  /** Any other 4xx: the request itself is wrong (or the plan forbids the API); retrying cannot help. */
  | 'rejected'

/** A classified failure, without personal data. */
export interface LineFailure {
  readonly kind: LineFailureKind
  /** HTTP status, when there was a response. */
  readonly status?: number
  /** LINE's error message (never contains the recipient), or the network error's. */
  readonly reason: string
  /** From `Retry-After`, for 429s. */
  readonly retryAfterMs?: number
  /** `x-line-accepted-request-id` of a 409. */
  readonly acceptedRequestId?: string
}

interface ErrorBody {
  message?: unknown
  details?: Array<{ message?: unknown; property?: unknown }>
}

function parseBody(body: unknown): ErrorBody {
  if (typeof body !== 'string') return typeof body === 'object' && body !== null ? (body as ErrorBody) : {}
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === 'object' && parsed !== null ? (parsed as ErrorBody) : {}
  } catch {
    return {}
  }
}

function header(headers: unknown, name: string): string | undefined {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  if (headers && typeof headers === 'object') {
    const value = (headers as Record<string, unknown>)[name]
    return typeof value === 'string' ? value : undefined
  }
  return undefined
}

/** Thrown by the sender when a call takes longer than its timeout. */
export class LineTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer from LINE within ${ms} ms`)
    this.name = 'LineTimeoutError'
  }
}

/**
 * Classifies an error thrown by the LINE client (`HTTPFetchError` of @line/bot-sdk, a fetch
 * network error, or our timeout), following LINE's documented status codes: 409 means the retry
 * key was already accepted; 429 is the rate limit; 5xx and network trouble are transient; a
 * 400 "Failed to send messages" (or a bad `to`) and 404 mean the user does not exist for this
 * channel; other 4xx are permanent. Note: LINE answers 200 when the user has blocked the
 * account; blocks are learnt from the unfollow webhook, not from sends.
 */
export function classifyLineError(error: unknown): LineFailure {
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined
  if (status === undefined) {
    const message = error instanceof Error ? error.message : String(error)
    return { kind: 'transient', reason: error instanceof LineTimeoutError ? message : `network error: ${message}` }
  }
  const body = parseBody((error as { body?: unknown }).body)
  const headers = (error as { headers?: unknown }).headers
  const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`
  const details = (body.details ?? []).map((d) => `${typeof d.property === 'string' ? d.property + ': ' : ''}${typeof d.message === 'string' ? d.message : ''}`)
  const reason = `LINE ${status}: ${message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`
  if (status === 409) {
    const accepted = header(headers, 'x-line-accepted-request-id')
    return accepted === undefined ? { kind: 'duplicate', status, reason } : { kind: 'duplicate', status, reason, acceptedRequestId: accepted }
  }
  if (status === 429) {
    const retryAfter = Number(header(headers, 'retry-after'))
    return Number.isFinite(retryAfter) && retryAfter >= 0 ? { kind: 'rate_limited', status, reason, retryAfterMs: retryAfter * 1000 } : { kind: 'rate_limited', status, reason }
  }
  if (status >= 500) return { kind: 'transient', status, reason }
  if (status === 401) return { kind: 'unauthorized', status, reason }
  if (status === 404) return { kind: 'unknown_recipient', status, reason }
  if (status === 400) {
    if (/reply token/i.test(message)) return { kind: 'invalid_reply_token', status, reason }
    const aboutTo = (body.details ?? []).some((d) => typeof d.property === 'string' && /^to(\[\d+\])?$/.test(d.property)) || /property, 'to/.test(message)
    if (message === 'Failed to send messages' || aboutTo) return { kind: 'unknown_recipient', status, reason }
  }
  return { kind: 'rejected', status, reason }
}
