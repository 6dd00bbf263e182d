import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, OmotenashiError, readBody, sendJson, type HttpRoute } from '@omotenashi/core'
import type { DeliveryReport } from './source-connector.js'

/** Thrown by a webhook handler when the request is not authentic. Answered with 401. */
export class SignatureError extends Error {
  constructor(message = 'signature does not match') {
    super(message)
    this.name = 'SignatureError'
  }
}

/** Thrown by a webhook handler when the body cannot be read as the source's format. Answered with 400. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BadRequestError'
  }
}

/** What a webhook handler is given: the raw body (for signatures) and the headers. */
export interface WebhookRequest {
  readonly body: Buffer
  readonly headers: IncomingMessage['headers']
}

/**
 * Builds a public HTTP route for a signature-verified webhook. Status codes tell the sender
 * whether to retry: 2xx done (or a duplicate), 401 forged, 400 unreadable, 503 not started,
 * 502 when details could not be fetched upstream (the sender retries later).
 */
export function webhookRoute(
  path: string,
  summary: string,
  handle: (request: WebhookRequest) => Promise<DeliveryReport | { readonly status: 'ignored'; readonly reason: string }>,
  onError?: (kind: string, message: string) => void,
  bodyLimit = 1_048_576,
): HttpRoute {
  return {
    method: 'POST',
    path,
    access: 'public',
    summary,
    async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
      let body: Buffer
      try {
        body = await readBody(request, bodyLimit)
      } catch (error) {
        sendJson(response, (error as { statusCode?: number }).statusCode ?? 400, { error: (error as Error).message })
        return
      }
      try {
        const report = await handle({ body, headers: request.headers })
        if (report.status === 'ignored') {
          sendJson(response, 200, { status: 'ignored', reason: report.reason })
          return
        }
        sendJson(response, 200, {
          status: report.status,
          accepted: report.accepted.length,
          rejected: report.rejected.map((r) => ({ type: r.type, error: r.error.message })),
          skipped: report.skipped,
        })
      } catch (error) {
        if (error instanceof SignatureError) {
          onError?.('forged', error.message)
          sendJson(response, 401, { error: error.message })
        } else if (error instanceof BadRequestError) {
          onError?.('malformed', error.message)
          sendJson(response, 400, { error: error.message })
        } else if (error instanceof OmotenashiError && error.code === ErrorCode.NotStarted) {
          sendJson(response, 503, { error: error.message })
        } else {
          sendJson(response, 502, { error: `could not process the delivery: ${(error as Error).message}` })
        }
      }
    },
  }
}

/** Parses a JSON body, or throws a {@link BadRequestError}. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new BadRequestError('body is not JSON')
  }
}
