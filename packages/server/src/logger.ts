import type { FastifyRequest } from 'fastify'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'

/**
 * Paths pino censors wherever they appear: credentials, and identifiers that are personal data.
 * A safety net: the serializers below already log no headers, bodies or raw URLs.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'authorization',
  'writeKey',
  '*.writeKey',
  'apiKey',
  '*.apiKey',
  'identity',
  '*.identity',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'traits',
  '*.traits',
]

/**
 * Request serializer: method, the route pattern (`/v1/profiles/:customerId`, never the filled-in
 * path, which can hold a customer id or an email) and the request id. No headers, no query.
 */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return { id: request.id, method: request.method, route: request.routeOptions?.url ?? 'unmatched' }
}

/** Error serializer: the type, code and status only. Messages can quote input, so they stay out. */
export function serializeError(error: unknown): Record<string, unknown> {
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown } | null
  return { type: typeof e?.name === 'string' ? e.name : 'Error', code: e?.code, statusCode: e?.statusCode }
}

/** Builds the server's pino logger with the redaction and serializers above. */
export function createServerLogger(options: { readonly level?: string; readonly stream?: DestinationStream } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: serializeRequest as (value: unknown) => unknown,
      err: serializeError,
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
    },
  }
  return options.stream ? pino(config, options.stream) : pino(config)
}
