import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OpenApiContract, type ContractIssue } from './openapi-contract.js'

/**
 * A scripted misbehaviour for one request. `accept: true` makes the server take the request
 * (deliver it, remember its retry key) before misbehaving, as when LINE accepts a message but
 * the answer is lost: exactly the case `X-Line-Retry-Key` exists for.
 */
export type LineFault =
  /** Answer with this status (and body; a LINE error body by default). */
  | { readonly status: number; readonly body?: Readonly<Record<string, unknown>>; readonly retryAfterSeconds?: number; readonly accept?: boolean }
  /** Answer normally, but only after `delayMs` (a client timeout). Accepted first unless `accept: false`. */
  | { readonly delayMs: number; readonly accept?: boolean }
  /** Close the connection without answering. */
  | { readonly hangUp: true; readonly accept?: boolean }

/** One request the server received. */
export interface LineRequest {
  /** 1, 2, 3… in arrival order. */
  readonly seq: number
  /** Arrival time (performance.now(), ms). */
  readonly at: number
  readonly method: string
  readonly path: string
  /** The contract's operation id, if the contract knows the path. */
  readonly operationId: string | undefined
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: unknown
  /** `X-Line-Retry-Key`, if sent. */
  readonly retryKey: string | undefined
  /** Where the request breaks the contract (it was then answered 400). */
  readonly violations: readonly ContractIssue[]
  /** The status answered (undefined for a hang-up). */
  status: number | undefined
  /** Whether the server took the message (delivered it). */
  accepted: boolean
  /** The fault applied, if any. */
  fault: LineFault | undefined
}

/** One message delivery to one user (what the user would see). */
export interface LineDelivery {
  readonly requestId: string
  readonly endpoint: 'push' | 'multicast' | 'reply'
  readonly to: string
  readonly messages: readonly unknown[]
  readonly notificationDisabled: boolean
  readonly retryKey: string | undefined
}

/** Options of {@link LineTestServer}. */
export interface LineTestServerOptions {
  /** LINE's Messaging API contract: path of messaging-api.yml (github.com/line/line-openapi), or the parsed document. */
  readonly spec: string | Readonly<Record<string, unknown>>
  /** If set, the Bearer token every request must carry. */
  readonly channelAccessToken?: string
  /** Server-side limits in requests/s, enforced like LINE (429 when over). */
  readonly rateLimit?: { readonly push?: number; readonly multicast?: number; readonly reply?: number }
  /** User ids LINE does not know (push → 400 "Failed to send messages"). */
  readonly unknownUsers?: Iterable<string>
  /** Users who blocked the account: LINE answers 200 and delivers nothing. */
  readonly blockedUsers?: Iterable<string>
  /** Decides a fault for a request (after the scripted ones are used up). */
  readonly fault?: (request: LineRequest) => LineFault | undefined
  /** How long an issued reply token stays valid (ms). Default 60 s. */
  readonly replyTokenTtlMs?: number
  /** Port; default 0 (any free port). */
  readonly port?: number
}

type Endpoint = LineDelivery['endpoint']

const PATHS: Readonly<Record<string, Endpoint>> = {
  '/v2/bot/message/push': 'push',
  '/v2/bot/message/multicast': 'multicast',
  '/v2/bot/message/reply': 'reply',
}

class Bucket {
  #tokens: number
  #at = performance.now()
  constructor(readonly rate: number) {
    this.#tokens = rate
  }
  take(): boolean {
    const now = performance.now()
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#at) / 1000) * this.rate)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/**
 * A local HTTP server speaking LINE's Messaging API (push, multicast, reply) for tests and
 * benchmarks. Every request is checked against LINE's OpenAPI contract, message subtypes
 * included (a text message without `text` gets 400, as from LINE). It records requests and
 * deliveries, enforces `X-Line-Retry-Key` (the same key twice → 409 with
 * `x-line-accepted-request-id`), single-use reply tokens, rate limits, and plays scripted
 * faults: 429, 5xx, 409, slow answers and hang-ups, before or after accepting.
 *
 * @example
 * ```ts
 * const line = await LineTestServer.start({ spec: 'path/to/messaging-api.yml' })
 * const client = new messagingApi.MessagingApiClient({ channelAccessToken: 't', baseURL: line.url })
 * line.script({ status: 500, accept: true })
 * ```
 */
export class LineTestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Every request, in arrival order. */
  readonly requests: LineRequest[] = []
  /** Every delivery to a user, in order. */
  readonly deliveries: LineDelivery[] = []
  /** The contract, for checking other values (e.g. webhook bodies with another instance). */
  readonly contract: OpenApiContract
  /** Answers the server gave that break the contract itself (should stay empty). */
  readonly responseViolations: Array<{ readonly seq: number; readonly issues: readonly ContractIssue[] }> = []
  readonly #server: Server
  readonly #options: LineTestServerOptions
  readonly #script: LineFault[] = []
  readonly #acceptedKeys = new Map<string, string>()
  readonly #replyTokens = new Map<string, { userId: string; expires: number }>()
  readonly #unknown: Set<string>
  readonly #blocked: Set<string>
  readonly #buckets = new Map<Endpoint, Bucket>()
  readonly #timers = new Set<NodeJS.Timeout>()

  private constructor(server: Server, url: string, contract: OpenApiContract, options: LineTestServerOptions) {
    this.#server = server
    this.url = url
    this.contract = contract
    this.#options = options
    this.#unknown = new Set(options.unknownUsers ?? [])
    this.#blocked = new Set(options.blockedUsers ?? [])
    for (const [endpoint, rate] of Object.entries(options.rateLimit ?? {})) if (rate) this.#buckets.set(endpoint as Endpoint, new Bucket(rate))
  }

  /** Starts a server on 127.0.0.1. */
  static async start(options: LineTestServerOptions): Promise<LineTestServer> {
    const contract = new OpenApiContract(options.spec as string | Record<string, unknown>)
    // Compile the validators now: compiling on the first request would make it look slow.
    for (const path of Object.keys(PATHS)) contract.validateRequest('POST', path, {}, {})
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as AddressInfo
    const instance = new LineTestServer(server, `http://127.0.0.1:${port}`, contract, options)
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void instance.#handle(req, res))
    return instance
  }

  /** Queues faults for the next requests, one each, in order. */
  script(...faults: LineFault[]): void {
    this.#script.push(...faults)
  }

  /** Issues a reply token for a user (put it in a webhook event you post to the app). */
  issueReplyToken(userId: string): string {
    const token = randomUUID().replaceAll('-', '')
    this.#replyTokens.set(token, { userId, expires: performance.now() + (this.#options.replyTokenTtlMs ?? 60_000) })
    return token
  }

  /** Marks users as unknown to LINE. */
  addUnknownUsers(...ids: string[]): void {
    for (const id of ids) this.#unknown.add(id)
  }

  /** Marks users as having blocked the account. */
  addBlockedUsers(...ids: string[]): void {
    for (const id of ids) this.#blocked.add(id)
  }

  /** Deliveries to one user. */
  deliveredTo(userId: string): LineDelivery[] {
    return this.deliveries.filter((d) => d.to === userId)
  }

  /** Deliveries that repeat an earlier one (same user, same messages): what a user saw twice. */
  duplicateDeliveries(): number {
    const seen = new Set<string>()
    let duplicates = 0
    for (const d of this.deliveries) {
      const key = `${d.to}\u0000${JSON.stringify(d.messages)}`
      if (seen.has(key)) duplicates++
      else seen.add(key)
    }
    return duplicates
  }

  /** Requests that broke the contract. */
  violations(): LineRequest[] {
    return this.requests.filter((r) => r.violations.length > 0)
  }

  /** Forgets requests, deliveries, scripted faults and accepted retry keys. */
  reset(): void {
    this.requests.length = 0
    this.deliveries.length = 0
    this.#script.length = 0
    this.#acceptedKeys.clear()
  }

  /** Stops the server (pending slow answers are dropped). */
  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const path = (req.url ?? '/').split('?')[0]!
    const method = req.method ?? 'GET'
    const retryKeyHeader = req.headers['x-line-retry-key']
    const request: LineRequest = {
      seq: this.requests.length + 1,
      at: performance.now(),
      method,
      path,
      operationId: this.contract.operation(method, path)?.operationId,
      headers: { ...req.headers },
      body: undefined,
      retryKey: Array.isArray(retryKeyHeader) ? retryKeyHeader[0] : retryKeyHeader,
      violations: [],
      status: undefined,
      accepted: false,
      fault: undefined,
    }
    this.requests.push(request)
    const answer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void => {
      request.status = status
      if (request.operationId !== undefined) {
        const issues = this.contract.validateResponse(method, path, status, body)
        if (issues.length > 0 && status !== 401 && status !== 501) this.responseViolations.push({ seq: request.seq, issues })
      }
      const text = JSON.stringify(body)
      res.writeHead(status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...headers })
      res.end(text)
    }

    const endpoint = PATHS[path]
    if (method !== 'POST' || endpoint === undefined) {
      return answer(request.operationId ? 501 : 404, { message: request.operationId ? `${request.operationId} is not implemented by the test server` : 'Not found' })
    }
    const auth = req.headers.authorization
    const token = this.#options.channelAccessToken
    if (!auth?.startsWith('Bearer ') || (token !== undefined && auth.slice(7) !== token)) {
      return answer(401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' })
    }
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return answer(400, { message: 'The request body could not be parsed as JSON' })
    }
    Object.assign(request, { body, violations: this.contract.validateRequest(method, path, req.headers, body) })
    if (request.violations.length > 0) {
      return answer(400, {
        message: `The request body has ${request.violations.length} error(s)`,
        details: request.violations.map((v) => ({ message: v.message, property: v.path.replace(/^\//, '').replaceAll('/', '.') })),
      })
    }
    if (this.#buckets.get(endpoint)?.take() === false) return answer(429, { message: 'The API rate limit has been exceeded. Try again later.' })

    const fault = this.#script.shift() ?? this.#options.fault?.(request)
    request.fault = fault
    // Slow answers are accepted first unless told otherwise; statuses and hang-ups the reverse.
    const acceptFirst = fault === undefined ? false : 'delayMs' in fault ? fault.accept !== false : fault.accept === true
    if (fault && !acceptFirst) {
      if ('hangUp' in fault) return void res.socket?.destroy()
      if ('status' in fault) return answer(fault.status, fault.body ?? defaultBody(fault.status), fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) })
      // Slow before LINE takes it: the request is handled late, after the client may have retried.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer)
          resolve()
        }, fault.delayMs)
        this.#timers.add(timer)
      })
      if (res.destroyed) return
    }

    if (request.retryKey !== undefined) {
      const accepted = this.#acceptedKeys.get(request.retryKey)
      if (accepted !== undefined) return answer(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': accepted })
    }
    const b = body as { to?: string | string[]; replyToken?: string; messages: unknown[]; notificationDisabled?: boolean }
    let recipients: string[]
    if (endpoint === 'reply') {
      const entry = this.#replyTokens.get(b.replyToken ?? '')
      if (!entry || entry.expires < performance.now()) return answer(400, { message: 'Invalid reply token' })
      this.#replyTokens.delete(b.replyToken!)
      recipients = [entry.userId]
    } else if (endpoint === 'push') {
      if (this.#unknown.has(b.to as string)) return answer(400, { message: 'Failed to send messages' })
      recipients = [b.to as string]
    } else {
      recipients = (b.to as string[]).filter((id) => !this.#unknown.has(id))
    }
    const requestId = randomUUID()
    request.accepted = true
    if (request.retryKey !== undefined) this.#acceptedKeys.set(request.retryKey, requestId)
    for (const to of recipients) {
      if (this.#blocked.has(to)) continue
      this.deliveries.push({ requestId, endpoint, to, messages: b.messages, notificationDisabled: b.notificationDisabled ?? false, retryKey: request.retryKey })
    }
    const ok = endpoint === 'multicast' ? {} : { sentMessages: b.messages.map(() => ({ id: String(this.deliveries.length * 10 + Math.floor(Math.random() * 10)), quoteToken: randomUUID() })) }
    if (fault && acceptFirst) {
      if ('hangUp' in fault) return void res.socket?.destroy()
      if ('status' in fault) return answer(fault.status, fault.body ?? defaultBody(fault.status))
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        if (!res.destroyed) answer(200, ok)
      }, fault.delayMs)
      this.#timers.add(timer)
      return
    }
    answer(200, ok)
  }
}

function defaultBody(status: number): Record<string, unknown> {
  if (status === 429) return { message: 'The API rate limit has been exceeded. Try again later.' }
  if (status === 409) return { message: 'The retry key is already accepted' }
  if (status >= 500) return { message: 'Internal server error' }
  return { message: `Error ${status}` }
}
