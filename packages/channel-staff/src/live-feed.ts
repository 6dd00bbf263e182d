import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Clock } from '@omotenashi/core'
import { WebSocketServer, type WebSocket } from 'ws'
import type { StaffAcknowledgements } from './acknowledgements.js'
import type { StaffTokenClaims } from './device-token.js'
import { authenticateDevice, requestUrl } from './http/auth.js'
import type { FeedCursor, FeedEntry, FeedUpdate, StoreFeed } from './store-feed.js'

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** The per-store card buffers served. */
  readonly feed: StoreFeed
  /** Where acknowledgements sent over the socket go. */
  readonly acknowledgements: StaffAcknowledgements
  /** The device-token secret. */
  readonly secret: string | Buffer
  /** The hub's clock (token expiry). */
  readonly clock: Pick<Clock, 'now'>
  /** WebSocket ping / SSE comment interval (ms). */
  readonly heartbeatMs: number
  /** A device whose unsent backlog passes this many bytes is disconnected. */
  readonly maxBacklogBytes: number
}

/** What the server sends a device (WebSocket messages; SSE events carry the same JSON). */
export type ServerMessage =
  | { type: 'hello'; storeId: string; staffId: string; epoch: string; lastSeq: number; expiresAt: string }
  | { type: 'card'; epoch: string; seq: number; card: FeedEntry['card']; acks: FeedEntry['acks'] }
  | { type: 'ack'; cardId: string; ack: FeedEntry['acks'][number] }
  | { type: 'synced'; replayed: number }
  | { type: 'ack.result'; requestId?: string; ok: boolean; eventId?: string; error?: string }
  | { type: 'pong' }
  | { type: 'error'; error: string }

/** WebSocket close code for an expired device token (4000-4999 are the application's). */
export const CLOSE_TOKEN_EXPIRED = 4001

interface Subscription {
  readonly claims: StaffTokenClaims
  readonly storeId: string
  readonly cursor: FeedCursor | undefined
}

/**
 * Serves a {@link StoreFeed} to staff devices over WebSocket and Server-Sent Events:
 * authenticates each device by its signed token, holds it to one store its token grants,
 * replays what it missed, then streams cards and acknowledgements live.
 */
export class LiveFeed {
  readonly #o: LiveFeedOptions
  readonly #wss: WebSocketServer
  readonly #sse = new Set<ServerResponse>()
  readonly #alive = new WeakMap<WebSocket, boolean>()
  readonly #encoded = new WeakMap<FeedUpdate, string>()
  #heartbeat: NodeJS.Timeout | undefined

  constructor(options: LiveFeedOptions) {
    this.#o = options
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, clientTracking: true })
  }

  /** Devices connected now (WebSocket and SSE). */
  get connections(): number {
    return this.#wss.clients.size + this.#sse.size
  }

  /** Handles a WebSocket upgrade: 401 without a valid token, 403 for a store it does not grant. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const sub = this.#subscription(request)
    if (!sub.ok) {
      refuseUpgrade(socket, sub.status, sub.error)
      return
    }
    this.#ensureHeartbeat()
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#attachSocket(ws, sub.value))
  }

  /** Serves the SSE stream (`Last-Event-ID` resumes). */
  sse(request: IncomingMessage, response: ServerResponse): void {
    const sub = this.#subscription(request)
    if (!sub.ok) {
      const body = JSON.stringify({ error: sub.error })
      response.writeHead(sub.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
      response.end(body)
      return
    }
    this.#ensureHeartbeat()
    const { claims, storeId, cursor } = sub.value
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    response.flushHeaders()
    this.#sse.add(response)
    // The replay may exceed the backlog limit on its own; it is bounded by the buffer, so it is
    // allowed for on top of the limit rather than cutting off every device that reconnects.
    let allowance = 0
    const write = (event: string, data: string, id?: string): void => {
      if (response.writableLength > this.#o.maxBacklogBytes + allowance) {
        response.destroy()
        return
      }
      response.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`)
    }
    write('hello', JSON.stringify(this.#hello(claims, storeId)))
    const unsubscribe = this.#o.feed.subscribe(storeId, (update) => {
      if (update.kind === 'card') write('card', this.#encode(update), `${this.#o.feed.epoch}.${update.entry.seq}`)
      else write('ack', this.#encode(update))
    })
    const missed = this.#o.feed.since(storeId, cursor)
    const replay = missed.map((entry) => JSON.stringify(cardMessage(this.#o.feed.epoch, entry)))
    allowance = replay.reduce((n, text) => n + Buffer.byteLength(text) + 64, 0)
    replay.forEach((text, i) => write('card', text, `${this.#o.feed.epoch}.${missed[i]!.seq}`))
    write('synced', JSON.stringify({ type: 'synced', replayed: missed.length }))
    const expiry = this.#expiryTimer(claims, () => response.end())
    response.on('close', () => {
      unsubscribe()
      clearTimeout(expiry)
      this.#sse.delete(response)
    })
  }

  /** Disconnects every device and stops the heartbeat. */
  async close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    for (const ws of this.#wss.clients) ws.close(1001, 'server shutting down')
    for (const response of this.#sse) response.end()
    this.#sse.clear()
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
    for (const ws of this.#wss.clients) ws.terminate()
  }

  #subscription(request: IncomingMessage): { ok: true; value: Subscription } | { ok: false; status: 400 | 401 | 403 | 404; error: string } {
    const url = requestUrl(request)
    const auth = authenticateDevice(request, url, this.#o.secret, this.#o.clock.now())
    if (!auth.ok) return auth
    const storeId = url.searchParams.get('store') ?? (auth.claims.stores.length === 1 ? auth.claims.stores[0] : undefined)
    if (storeId === undefined) return { ok: false, status: 400, error: 'name the store: ?store=<storeId> (the token grants several)' }
    if (!auth.claims.stores.includes(storeId)) return { ok: false, status: 403, error: `this token does not grant store "${storeId}"` }
    if (!this.#o.feed.hasStore(storeId)) return { ok: false, status: 404, error: `store "${storeId}" has no staff feed` }
    const parsed = parseCursor(request.headers['last-event-id'], url)
    if (parsed === 'invalid') return { ok: false, status: 400, error: 'since must be a non-negative integer (with epoch), or Last-Event-ID "<epoch>.<seq>"' }
    // A bare `since` (no epoch) is taken as from this feed's epoch.
    const cursor = parsed === undefined ? undefined : { epoch: parsed.epoch ?? this.#o.feed.epoch, seq: parsed.seq }
    return { ok: true, value: { claims: auth.claims, storeId, cursor } }
  }

  #attachSocket(ws: WebSocket, sub: Subscription): void {
    const { claims, storeId, cursor } = sub
    const { feed } = this.#o
    this.#alive.set(ws, true)
    ws.on('pong', () => this.#alive.set(ws, true))
    let allowance = 0
    const send = (text: string): void => {
      if (ws.readyState !== ws.OPEN) return
      // A device that cannot keep up is cut off; it replays what it missed when it reconnects.
      // The replay itself is allowed for (it is bounded by the buffer), or no device could catch up.
      if (ws.bufferedAmount > this.#o.maxBacklogBytes + allowance) {
        ws.terminate()
        return
      }
      ws.send(text)
    }
    send(JSON.stringify(this.#hello(claims, storeId)))
    const unsubscribe = feed.subscribe(storeId, (update) => send(this.#encode(update)))
    const missed = feed.since(storeId, cursor)
    const replay = missed.map((entry) => JSON.stringify(cardMessage(feed.epoch, entry)))
    allowance = replay.reduce((n, text) => n + Buffer.byteLength(text) + 16, 0)
    for (const text of replay) send(text)
    send(JSON.stringify({ type: 'synced', replayed: missed.length } satisfies ServerMessage))
    const expiry = this.#expiryTimer(claims, () => ws.close(CLOSE_TOKEN_EXPIRED, 'token expired'))
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send(JSON.stringify({ type: 'error', error: 'send JSON text messages' } satisfies ServerMessage))
      void this.#onMessage(claims, data.toString(), send)
    })
    ws.on('close', () => {
      unsubscribe()
      clearTimeout(expiry)
    })
    ws.on('error', () => ws.terminate())
  }

  async #onMessage(claims: StaffTokenClaims, text: string, send: (text: string) => void): Promise<void> {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return send(JSON.stringify({ type: 'error', error: 'messages must be JSON' } satisfies ServerMessage))
    }
    const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>
    if (m['type'] === 'ping') return send(JSON.stringify({ type: 'pong' } satisfies ServerMessage))
    if (m['type'] !== 'ack') return send(JSON.stringify({ type: 'error', error: 'type must be "ack" or "ping"' } satisfies ServerMessage))
    const requestId = typeof m['requestId'] === 'string' ? m['requestId'].slice(0, 100) : undefined
    const { type: _type, requestId: _requestId, ...input } = m
    const result = await this.#o.acknowledgements.acknowledge(claims, input).catch((error: unknown) => ({
      ok: false as const,
      status: 503 as const,
      error: (error as Error).message,
    }))
    const reply: ServerMessage = result.ok
      ? { type: 'ack.result', ok: true, eventId: result.eventId, ...(requestId === undefined ? {} : { requestId }) }
      : { type: 'ack.result', ok: false, error: result.error, ...(requestId === undefined ? {} : { requestId }) }
    send(JSON.stringify(reply))
  }

  #hello(claims: StaffTokenClaims, storeId: string): ServerMessage {
    const { feed } = this.#o
    return { type: 'hello', storeId, staffId: claims.sub, epoch: feed.epoch, lastSeq: feed.lastSeq(storeId), expiresAt: new Date(claims.exp * 1000).toISOString() }
  }

  #encode(update: FeedUpdate): string {
    // Every device of a store gets the same update: serialise it once.
    let text = this.#encoded.get(update)
    if (text === undefined) {
      const message: ServerMessage =
        update.kind === 'card' ? cardMessage(this.#o.feed.epoch, update.entry) : { type: 'ack', cardId: update.entry.card.id, ack: update.ack }
      text = JSON.stringify(message)
      this.#encoded.set(update, text)
    }
    return text
  }

  #expiryTimer(claims: StaffTokenClaims, onExpiry: () => void): NodeJS.Timeout {
    const ms = Math.min(claims.exp * 1000 - this.#o.clock.now(), 2_147_483_647)
    const timer = setTimeout(onExpiry, Math.max(0, ms))
    timer.unref()
    return timer
  }

  #ensureHeartbeat(): void {
    if (this.#heartbeat) return
    this.#heartbeat = setInterval(() => {
      for (const ws of this.#wss.clients) {
        if (this.#alive.get(ws) === false) {
          ws.terminate()
          continue
        }
        this.#alive.set(ws, false)
        ws.ping()
      }
      for (const response of this.#sse) response.write(': ping\n\n')
    }, this.#o.heartbeatMs)
    this.#heartbeat.unref()
  }
}

function cardMessage(epoch: string, entry: FeedEntry): ServerMessage {
  return { type: 'card', epoch, seq: entry.seq, card: entry.card, acks: entry.acks }
}

function parseCursor(lastEventId: string | string[] | undefined, url: URL): { epoch?: string; seq: number } | undefined | 'invalid' {
  const header = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId
  const raw = header ?? url.searchParams.get('lastEventId') ?? undefined
  if (raw !== undefined && raw !== '') {
    const match = /^([a-z0-9]{1,40})\.(\d{1,15})$/.exec(raw)
    if (!match) return 'invalid'
    return { epoch: match[1]!, seq: Number(match[2]) }
  }
  const since = url.searchParams.get('since')
  if (since === null || since === '') return undefined
  if (!/^\d{1,15}$/.test(since)) return 'invalid'
  const epoch = url.searchParams.get('epoch')
  return epoch === null || epoch === '' ? { seq: Number(since) } : { epoch, seq: Number(since) }
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error })
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
