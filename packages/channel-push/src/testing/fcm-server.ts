import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as z from 'zod'

/** The parts of an FCM v1 `Message` the server checks (unknown fields are refused, as FCM does). */
export const FcmMessageSchema = z
  .object({
    name: z.string().optional(),
    token: z.string().min(1).optional(),
    topic: z.string().min(1).optional(),
    condition: z.string().min(1).optional(),
    data: z.record(z.string(), z.string({ error: 'data values must be strings' })).optional(),
    notification: z.object({ title: z.string().optional(), body: z.string().optional(), image: z.url().optional() }).strict().optional(),
    android: z
      .object({
        collapse_key: z.string().optional(),
        priority: z.enum(['NORMAL', 'HIGH']).optional(),
        ttl: z.string().regex(/^\d+(\.\d{1,9})?s$/, 'ttl must be a duration such as "3600s"').optional(),
        restricted_package_name: z.string().optional(),
        data: z.record(z.string(), z.string()).optional(),
        notification: z.record(z.string(), z.unknown()).optional(),
        direct_boot_ok: z.boolean().optional(),
      })
      .strict()
      .optional(),
    apns: z.object({ headers: z.record(z.string(), z.string()).optional(), payload: z.record(z.string(), z.unknown()).optional() }).strict().optional(),
    webpush: z
      .object({
        headers: z.record(z.string(), z.string()).optional(),
        data: z.record(z.string(), z.string()).optional(),
        notification: z.record(z.string(), z.unknown()).optional(),
        fcm_options: z.object({ link: z.url({ protocol: /^https$/, error: 'webpush.fcm_options.link must be https' }).optional(), analytics_label: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    fcm_options: z.object({ analytics_label: z.string().optional() }).strict().optional(),
  })
  .strict()
  .refine((m) => [m.token, m.topic, m.condition].filter((t) => t !== undefined).length === 1, { message: 'exactly one of token, topic and condition is required' })

/** One message the server accepted. */
export interface ReceivedFcm {
  readonly projectId: string
  readonly message: z.infer<typeof FcmMessageSchema>
  /** The bearer token used. */
  readonly accessToken: string
}

/** Options of {@link startFcmServer}. */
export interface FcmServerOptions {
  /** The project id in the path. */
  readonly projectId: string
  /** Bearer tokens accepted (one, or a check). */
  readonly accessToken: string | ((token: string) => boolean)
}

/** A running local FCM HTTP v1 server. */
export interface FcmServer {
  /** `http://127.0.0.1:port`: the provider's `baseUrl`. */
  readonly baseUrl: string
  readonly received: ReceivedFcm[]
  /** Refused requests: status and FCM error code or the reason. */
  readonly refused: Array<{ readonly status: number; readonly code: string; readonly message: string }>
  /** Makes a registration token answer 404 UNREGISTERED from now on. */
  unregister(token: string): void
  /** Answers the next request with this status and FCM error code (429 QUOTA_EXCEEDED, 503 UNAVAILABLE…). */
  failNext(status: number, errorCode: string): void
  close(): Promise<void>
}

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' }

/**
 * A local FCM HTTP v1 endpoint (`POST /v1/projects/{id}/messages:send`) that checks the bearer
 * token and the message body against the v1 schema (exactly one target, string data values,
 * durations, enum priorities), and answers in FCM's error format, `UNREGISTERED` for
 * unregistered tokens.
 */
export async function startFcmServer(options: FcmServerOptions): Promise<FcmServer> {
  const received: ReceivedFcm[] = []
  const refused: Array<{ status: number; code: string; message: string }> = []
  const unregistered = new Set<string>()
  const scripted: Array<{ status: number; code: string }> = []
  const accepts = typeof options.accessToken === 'string' ? (t: string) => t === options.accessToken : options.accessToken

  const fail = (res: ServerResponse, status: number, code: string, message: string): void => {
    refused.push({ status, code, message })
    const details = status === 401 ? [] : [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: code }]
    const body = JSON.stringify({ error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', details } })
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(body)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '')
    if (req.method !== 'POST' || !match) return fail(res, 404, 'NOT_FOUND', 'unknown endpoint')
    const auth = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')
    if (!auth || !accepts(auth[1]!)) return fail(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
    if (decodeURIComponent(match[1]!) !== options.projectId) return fail(res, 404, 'NOT_FOUND', 'project not found')
    let json: unknown
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return fail(res, 400, 'INVALID_ARGUMENT', 'body is not JSON')
    }
    const envelope = z.object({ message: FcmMessageSchema, validate_only: z.boolean().optional() }).strict().safeParse(json)
    if (!envelope.success) return fail(res, 400, 'INVALID_ARGUMENT', envelope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
    const scriptedFailure = scripted.shift()
    if (scriptedFailure) return fail(res, scriptedFailure.status, scriptedFailure.code, 'scripted failure')
    const token = envelope.data.message.token
    if (token !== undefined && unregistered.has(token)) return fail(res, 404, 'UNREGISTERED', 'Requested entity was not found.')
    received.push({ projectId: options.projectId, message: envelope.data.message, accessToken: auth[1]! })
    const body = JSON.stringify({ name: `projects/${options.projectId}/messages/${randomUUID()}` })
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    refused,
    unregister: (token) => void unregistered.add(token),
    failNext: (status, code) => void scripted.push({ status, code }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
