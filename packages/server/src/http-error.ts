import { ErrorCode, OmotenashiError, ValidationError, type ValidationIssue } from '@omotenashi/core'

/** Error codes the HTTP layer adds to core's {@link ErrorCode}. */
export const HttpErrorCode = {
  BadRequest: 'E_BAD_REQUEST',
  TooLarge: 'E_TOO_LARGE',
  UnsupportedMediaType: 'E_UNSUPPORTED_MEDIA_TYPE',
  RateLimited: 'E_RATE_LIMITED',
  NotImplemented: 'E_NOT_IMPLEMENTED',
  Internal: 'E_INTERNAL',
} as const

/** The JSON body of every error the server returns. */
export interface ErrorBody {
  readonly error: {
    readonly code: string
    readonly message: string
    readonly issues?: readonly ValidationIssue[]
  }
}

/** An error with an HTTP status, thrown by handlers and turned into an {@link ErrorBody}. */
export class HttpError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly issues: readonly ValidationIssue[] | undefined

  constructor(statusCode: number, code: string, message: string, issues?: readonly ValidationIssue[]) {
    super(message)
    this.name = 'HttpError'
    this.statusCode = statusCode
    this.code = code
    this.issues = issues
  }
}

const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.Validation]: 400,
  [ErrorCode.UnknownEventType]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Stopped]: 503,
  [ErrorCode.NotStarted]: 503,
  [ErrorCode.Config]: 501,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.Policy]: 403,
}

/** Fastify's own error codes for malformed requests, with a message that never echoes the body. */
const FASTIFY_ERRORS: Readonly<Record<string, readonly [number, string, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, HttpErrorCode.UnsupportedMediaType, 'unsupported content-type: send application/json (or a CloudEvents JSON type on /v1/cloudevents)'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, HttpErrorCode.TooLarge, 'the request body is larger than this endpoint accepts'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, HttpErrorCode.BadRequest, 'the body is empty but content-type is application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, HttpErrorCode.BadRequest, 'content-length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: [400, HttpErrorCode.BadRequest, 'the content-type header is invalid'],
  FST_ERR_CTP_EMPTY_TYPE: [400, HttpErrorCode.BadRequest, 'the content-type header is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, HttpErrorCode.BadRequest, 'the body is not valid JSON'],
  FST_ERR_MAX_PARAM_LENGTH: [414, HttpErrorCode.BadRequest, 'a path parameter is longer than 512 characters'],
  FST_ERR_BAD_URL: [400, HttpErrorCode.BadRequest, 'the URL is not validly encoded'],
  FST_ERR_ASYNC_CONSTRAINT: [400, HttpErrorCode.BadRequest, 'the request matches no route constraint'],
}

/** Turns anything thrown into a status and an {@link ErrorBody} that never carries input values. */
export function toErrorReply(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    return { status: error.statusCode, body: { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } } }
  }
  if (error instanceof ValidationError) {
    return { status: 400, body: { error: { code: error.code, message: error.message, issues: error.issues } } }
  }
  if (error instanceof OmotenashiError) {
    return { status: STATUS_OF_CODE[error.code] ?? 500, body: { error: { code: error.code, message: error.message } } }
  }
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown; name?: unknown } | null
  const known = typeof e?.code === 'string' ? FASTIFY_ERRORS[e.code] : undefined
  if (known) return { status: known[0], body: { error: { code: known[1], message: known[2] } } }
  if (e instanceof SyntaxError || (e?.statusCode === 400 && e?.name === 'SyntaxError')) {
    return { status: 400, body: { error: { code: HttpErrorCode.BadRequest, message: 'the body is not valid JSON' } } }
  }
  const status = typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500
  if (typeof e?.code === 'string' && /^E_[A-Z_]+$/.test(e.code) && status < 500 && typeof e.message === 'string') {
    return { status, body: { error: { code: e.code, message: e.message } } }
  }
  if (status === 413) return { status, body: { error: { code: HttpErrorCode.TooLarge, message: 'the request body is too large' } } }
  if (status === 415) return { status, body: { error: { code: HttpErrorCode.UnsupportedMediaType, message: 'unsupported content-type or content-encoding' } } }
  if (status === 429) return { status, body: { error: { code: HttpErrorCode.RateLimited, message: 'too many requests for this API key; retry later' } } }
  if (status < 500) {
    // Other client errors from Fastify or plugins: their messages describe the request, not its data.
    const message = typeof e?.message === 'string' && e.message.length < 300 && !/"/.test(e.message) ? e.message : 'the request is malformed'
    return { status, body: { error: { code: HttpErrorCode.BadRequest, message } } }
  }
  return { status, body: { error: { code: HttpErrorCode.Internal, message: 'internal error; see the server log' } } }
}
