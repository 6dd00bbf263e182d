import type { IncomingMessage, ServerResponse } from 'node:http'
import { IdentitySchema, readBody, sendJson, ValidationError, type Clock, type HttpRoute } from '@omotenashi/core'
import type { StaffAcknowledgements } from '../acknowledgements.js'
import type { AgentCardDeps } from '../agent-card.js'
import { agentCard } from '../agent-card.js'
import { AGENT_HTML } from '../console/agent-html.js'
import { CONSOLE_HTML } from '../console/console-html.js'
import { CONSOLE_JS } from '../console/console-js.js'
import type { LiveFeed } from '../live-feed.js'
import { authenticateDevice, requestUrl } from './auth.js'

/**
 * Reads a small JSON request body (staff and agent posts are a few hundred bytes). A body that
 * is not JSON is answered 400, one over 16 KiB 413, and the result is then undefined.
 */
async function readJsonBody(request: IncomingMessage, response: ServerResponse): Promise<{ json: unknown } | undefined> {
  try {
    return { json: JSON.parse((await readBody(request, 16_384)).toString('utf8')) as unknown }
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode ?? 400
    sendJson(response, status, { error: status === 413 ? 'body too large' : 'body must be JSON' })
    return undefined
  }
}

/** What {@link staffRoutes} serves. */
export interface StaffRoutesOptions {
  /** Where the routes live, e.g. `/staff`. */
  readonly basePath: string
  readonly live: LiveFeed
  readonly acknowledgements: StaffAcknowledgements
  readonly secret: string | Buffer
  readonly clock: Pick<Clock, 'now'>
  /** Serve the console page. */
  readonly console: boolean
  /** What the call-centre route needs (resolved lazily, once the hub is assembled). */
  readonly agent: () => AgentCardDeps
}

// Pages load only their own script, talk only to their own origin, and cannot be framed.
const PAGE_CSP = "default-src 'self'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

/**
 * The staff channel's HTTP routes (framework-neutral; `@omotenashi/server` mounts them, and so
 * does {@link serveRoutes}):
 *
 * - `GET {base}/ws`: WebSocket feed of one store (device token; `?store=`, `?epoch=&since=`).
 * - `GET {base}/events`: the same feed as Server-Sent Events (`Last-Event-ID` resumes).
 * - `POST {base}/acknowledgements`: `{ cardId, outcome, note?, ackId? }` from a device.
 * - `GET {base}/console` and `{base}/console.js`: the staff console page.
 * - `GET {base}/agent/card?<identifierKind>=<value>`: the call-centre card (API scope `decide`).
 * - `POST {base}/agent/outcome`: the customer's response to it, as `offer.responded` (scope `decide`).
 * - `GET {base}/agent`: the call-centre agent page.
 */
export function staffRoutes(o: StaffRoutesOptions): HttpRoute[] {
  const base = o.basePath
  const routes: HttpRoute[] = [
    {
      method: 'GET',
      path: `${base}/ws`,
      access: 'public',
      summary: 'Staff live feed over WebSocket (authenticated by a staff device token)',
      async handle(_request, response) {
        sendJson(response, 426, { error: 'this route speaks WebSocket: send an Upgrade request' })
      },
      upgrade: (request, socket, head) => o.live.upgrade(request, socket, head),
    },
    {
      method: 'GET',
      path: `${base}/events`,
      access: 'public',
      summary: 'Staff live feed over Server-Sent Events (authenticated by a staff device token)',
      handle: async (request, response) => o.live.sse(request, response),
    },
    {
      method: 'POST',
      path: `${base}/acknowledgements`,
      access: 'public',
      summary: 'A staff device acknowledges a card: served, dismissed or a note',
      async handle(request, response) {
        const auth = authenticateDevice(request, requestUrl(request), o.secret, o.clock.now())
        if (!auth.ok) return sendJson(response, auth.status, { error: auth.error })
        const body = await readJsonBody(request, response)
        if (!body) return
        const input = body.json
        const result = await o.acknowledgements.acknowledge(auth.claims, input)
        if (!result.ok) return sendJson(response, result.status, { error: result.error, ...(result.issues ? { issues: result.issues } : {}) })
        sendJson(response, 202, { eventId: result.eventId, ack: result.ack })
      },
    },
    {
      method: 'GET',
      path: `${base}/agent/card`,
      access: 'decide',
      summary: 'Call-centre card for a customer identifier (e.g. ?phone=+81312345678): profile and next best action',
      async handle(request, response) {
        const url = requestUrl(request)
        const raw: Record<string, string> = {}
        for (const [key, value] of url.searchParams) if (key !== 'access_token') raw[key] = value
        const identity = IdentitySchema.safeParse(raw)
        if (!identity.success || Object.keys(identity.data).length === 0) {
          const issues = identity.success
            ? [{ path: '', message: 'give at least one identifier, e.g. ?loyaltyId=L-1001 or ?phone=+81312345678' }]
            : identity.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
          return sendJson(response, 400, { error: 'identity is invalid', issues })
        }
        let card: Awaited<ReturnType<typeof agentCard>>
        try {
          card = await agentCard(o.agent(), identity.data)
        } catch (error) {
          // The resolver's own checks (a malformed phone number) are the caller's mistake.
          if (error instanceof ValidationError) return sendJson(response, 400, { error: error.message, issues: error.issues })
          throw error
        }
        if (!card) return sendJson(response, 404, { error: 'no customer has this identifier' })
        sendJson(response, 200, card)
      },
    },
    {
      method: 'POST',
      path: `${base}/agent/outcome`,
      access: 'decide',
      summary: "A call-centre agent records the customer's response to the suggested action (offer.responded)",
      async handle(request, response) {
        const body = await readJsonBody(request, response)
        if (!body) return
        const input = body.json
        const result = await o.acknowledgements.agentOutcome(input)
        if (!result.ok) return sendJson(response, result.status, { error: result.error, ...(result.issues ? { issues: result.issues } : {}) })
        sendJson(response, 202, { eventId: result.eventId })
      },
    },
  ]
  if (o.console) {
    routes.push(
      {
        method: 'GET',
        path: `${base}/console`,
        access: 'public',
        summary: 'The staff console page',
        async handle(_request, response) {
          response.writeHead(200, {
            ...SECURITY_HEADERS,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'; img-src 'self' data:",
            'cache-control': 'no-cache',
          })
          response.end(CONSOLE_HTML)
        },
      },
      {
        method: 'GET',
        path: `${base}/agent`,
        access: 'public',
        summary: 'The call-centre agent page (it calls the decide-scoped routes with the key the agent enters)',
        async handle(_request, response) {
          response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'cache-control': 'no-cache' })
          response.end(AGENT_HTML)
        },
      },
      {
        method: 'GET',
        path: `${base}/console.js`,
        access: 'public',
        summary: 'The staff console script',
        async handle(_request, response) {
          response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' })
          response.end(CONSOLE_JS)
        },
      },
    )
  }
  return routes
}

/** How many routes {@link staffRoutes} returns (the module binds each one). */
export function staffRouteCount(console: boolean): number {
  return console ? 8 : 5
}
