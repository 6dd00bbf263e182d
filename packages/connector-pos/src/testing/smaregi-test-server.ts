import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import { listenLocal, type LocalServer } from '@omotenashi/core/testing'

/** A transaction as the test server stores it (Smaregi field names; numbers as strings). */
export type SmaregiTestTransaction = Record<string, unknown> & { readonly transactionHeadId: string; readonly transactionDateTime: string }

/** Options of {@link startSmaregiTestServer}. */
export interface SmaregiTestServerOptions {
  readonly contractId: string
  readonly clientId: string
  readonly clientSecret: string
  readonly transactions?: readonly SmaregiTestTransaction[]
  /** Token lifetime in seconds. Default 3600. */
  readonly tokenTtlSeconds?: number
  /** At most this many API calls per `windowMs`; more get 429 with `Retry-After`. Default: no limit. */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number }
}

/** A running Smaregi test server. */
export interface SmaregiTestServer extends LocalServer {
  /** Root of the token endpoint (pass as `idBaseUrl`). */
  readonly idBaseUrl: string
  /** Root of the API (pass as `apiBaseUrl`). */
  readonly apiBaseUrl: string
  /** Transactions served, by id. */
  readonly transactions: Map<string, SmaregiTestTransaction>
  /** Every API request: method, path and query. */
  readonly log: Array<{ readonly path: string; readonly query: URLSearchParams; readonly status: number }>
  /** Tokens issued so far. */
  readonly tokensIssued: () => number
  /** Makes every issued token invalid (the next call gets 401). */
  revokeTokens(): void
  /** The next `count` API calls answer `status` (e.g. 503, or 429 with Retry-After: 0). */
  failNext(count: number, status: number): void
}

const DAY = 86_400_000

function problem(status: number, title: string, detail: string): string {
  // Smaregi answers errors as RFC 7807 problem details.
  return JSON.stringify({ type: 'about:blank', title, detail, status })
}

async function body(request: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  return text
}

/**
 * Starts a local stand-in for the Smaregi Platform API, written from Smaregi's public
 * documentation (developers.smaregi.dev: "スコープの設定 ~ アクセストークンの取得", "取引一覧取得",
 * "取引取得", and the POS API common spec on paging):
 * - `POST /app/{contractId}/token`: client credentials with HTTP Basic auth, form-encoded.
 * - `GET /{contractId}/pos/transactions/{id}`: one transaction (`with_details=all` adds `details`).
 * - `GET /{contractId}/pos/transactions`: `limit` (1–1000, default 100) and `page` (from 1),
 *   a `transaction_date_time-from/to` period of at most 31 days (required), `sort`.
 * It is a test double: only what the connector uses, with the documented limits enforced.
 */
export async function startSmaregiTestServer(options: SmaregiTestServerOptions): Promise<SmaregiTestServer> {
  const transactions = new Map((options.transactions ?? []).map((t) => [t.transactionHeadId, t]))
  const tokens = new Map<string, number>()
  const log: Array<{ path: string; query: URLSearchParams; status: number }> = []
  let issued = 0
  let failures: { count: number; status: number } = { count: 0, status: 0 }
  let windowStart = 0
  let windowCount = 0
  const ttl = options.tokenTtlSeconds ?? 3600
  const contract = encodeURIComponent(options.contractId)

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
        if (url.pathname.startsWith(`/${contract}/pos`)) log.push({ path: url.pathname, query: url.searchParams, status })
        response.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers }).end(payload)
      }
      if (request.method === 'POST' && url.pathname === `/app/${contract}/token`) {
        const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`
        const form = new URLSearchParams(await body(request))
        if (request.headers.authorization !== expected) return send(401, problem(401, 'Unauthorized', 'invalid client'))
        if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return send(400, problem(400, 'Bad Request', 'form body required'))
        if (form.get('grant_type') !== 'client_credentials') return send(400, problem(400, 'Bad Request', 'unsupported grant_type'))
        const token = randomUUID()
        tokens.set(token, Date.now() + ttl * 1000)
        issued++
        return send(200, JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: ttl, scope: form.get('scope') ?? '' }))
      }
      if (!url.pathname.startsWith(`/${contract}/pos/`)) return send(404, problem(404, 'Not Found', 'no such endpoint'))
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
      const expires = token === undefined ? undefined : tokens.get(token)
      if (expires === undefined || expires < Date.now()) return send(401, problem(401, 'Unauthorized', 'invalid or expired access token'))
      if (failures.count > 0) {
        failures = { count: failures.count - 1, status: failures.status }
        return send(failures.status, problem(failures.status, 'Error', 'injected failure'), failures.status === 429 ? { 'retry-after': '0' } : {})
      }
      if (options.rateLimit) {
        const now = Date.now()
        if (now - windowStart >= options.rateLimit.windowMs) {
          windowStart = now
          windowCount = 0
        }
        if (++windowCount > options.rateLimit.requests) {
          const wait = Math.ceil((options.rateLimit.windowMs - (now - windowStart)) / 1000)
          return send(429, problem(429, 'Too Many Requests', 'rate limit exceeded'), { 'retry-after': String(Math.max(0, wait)) })
        }
      }
      const withDetails = url.searchParams.get('with_details') === 'all'
      const shape = (t: SmaregiTestTransaction): Record<string, unknown> => {
        if (withDetails) return t
        const { details: _details, ...head } = t
        return head
      }
      const one = new RegExp(`^/${contract}/pos/transactions/([^/]+)$`).exec(url.pathname)
      if (request.method === 'GET' && one) {
        const t = transactions.get(decodeURIComponent(one[1]!))
        return t ? send(200, JSON.stringify(shape(t))) : send(404, problem(404, 'Not Found', 'transaction not found'))
      }
      if (request.method === 'GET' && url.pathname === `/${contract}/pos/transactions`) {
        const from = url.searchParams.get('transaction_date_time-from')
        const to = url.searchParams.get('transaction_date_time-to')
        if (!from || !to) return send(400, problem(400, 'Bad Request', 'a period (from and to) is required'))
        const fromMs = Date.parse(from)
        const toMs = Date.parse(to)
        if (Number.isNaN(fromMs) || Number.isNaN(toMs) || !/[+-]\d{2}:\d{2}$/.test(from)) return send(400, problem(400, 'Bad Request', 'dates must be YYYY-MM-DDThh:mm:ssTZD'))
        if (toMs - fromMs > 31 * DAY) return send(400, problem(400, 'Bad Request', 'the period must be 31 days or less'))
        const limit = Number(url.searchParams.get('limit') ?? '100')
        const page = Number(url.searchParams.get('page') ?? '1')
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return send(400, problem(400, 'Bad Request', 'limit must be 1-1000'))
        if (!Number.isInteger(page) || page < 1) return send(400, problem(400, 'Bad Request', 'page must be 1 or more'))
        const rows = [...transactions.values()]
          .filter((t) => {
            const at = Date.parse(t.transactionDateTime)
            return at >= fromMs && at <= toMs
          })
          .sort((a, b) => Date.parse(a.transactionDateTime) - Date.parse(b.transactionDateTime) || Number(a.transactionHeadId) - Number(b.transactionHeadId))
        return send(200, JSON.stringify(rows.slice((page - 1) * limit, page * limit).map(shape)))
      }
      return send(404, problem(404, 'Not Found', 'no such endpoint'))
    })()
  })
  const local = await listenLocal(server)
  return {
    ...local,
    idBaseUrl: local.url,
    apiBaseUrl: local.url,
    transactions,
    log,
    tokensIssued: () => issued,
    revokeTokens: () => tokens.clear(),
    failNext: (count, status) => void (failures = { count, status }),
  }
}
