import WebSocket from 'ws'
import type { ServerMessage } from '../live-feed.js'

/** Options of {@link connectStaffClient}. */
export interface StaffClientOptions {
  /** The store to subscribe to (optional when the token grants one store). */
  readonly store?: string
  /** Resume: the feed epoch last seen. */
  readonly epoch?: string
  /** Resume: the last sequence number seen. */
  readonly since?: number
  /** Where the routes live. Default `/staff`. */
  readonly basePath?: string
  /** Send the token as `Authorization: Bearer` (default) or as the `access_token` query parameter. */
  readonly tokenIn?: 'header' | 'query'
}

/** A connected test device. */
export interface StaffTestClient {
  /** Every message received, in order. */
  readonly messages: ServerMessage[]
  /** The socket. */
  readonly socket: WebSocket
  /** Resolves with the first message (already received or coming) that matches, or rejects after `timeoutMs`. */
  waitFor<T extends ServerMessage['type']>(type: T, predicate?: (m: Extract<ServerMessage, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<ServerMessage, { type: T }>>
  /** Sends a JSON message. */
  send(message: unknown): void
  /** Closes the socket and resolves once it is closed. */
  close(): Promise<void>
}

/** The feed refused the connection (the HTTP status of the refused upgrade). */
export class StaffFeedRefused extends Error {
  constructor(readonly status: number) {
    super(`the staff feed refused the connection with HTTP ${status}`)
    this.name = 'StaffFeedRefused'
  }
}

/**
 * Connects a test device to a staff feed over a real WebSocket and resolves once the
 * replay is done (`synced`). Rejects with {@link StaffFeedRefused} when the upgrade is refused.
 */
export async function connectStaffClient(baseUrl: string, token: string | undefined, options: StaffClientOptions = {}): Promise<StaffTestClient> {
  const url = new URL(`${options.basePath ?? '/staff'}/ws`, baseUrl.replace(/^http/, 'ws'))
  if (options.store !== undefined) url.searchParams.set('store', options.store)
  if (options.epoch !== undefined) url.searchParams.set('epoch', options.epoch)
  if (options.since !== undefined) url.searchParams.set('since', String(options.since))
  const headers: Record<string, string> = {}
  if (token !== undefined) {
    if (options.tokenIn === 'query') url.searchParams.set('access_token', token)
    else headers['authorization'] = `Bearer ${token}`
  }
  const socket = new WebSocket(url, { headers })
  const messages: ServerMessage[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as ServerMessage)
    for (const w of [...waiters]) w()
  })
  const client: StaffTestClient = {
    messages,
    socket,
    waitFor(type, predicate, timeoutMs = 2_000) {
      type M = Extract<ServerMessage, { type: typeof type }>
      const find = (): M | undefined => messages.find((m): m is M => m.type === type && (predicate?.(m as never) ?? true))
      return new Promise((resolve, reject) => {
        const found = find()
        if (found) return resolve(found as never)
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no "${type}" message within ${timeoutMs} ms`))
        }, timeoutMs)
        const check = (): void => {
          const m = find()
          if (!m) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve(m as never)
        }
        waiters.add(check)
      })
    },
    send: (message) => socket.send(JSON.stringify(message)),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve()
        socket.once('close', () => resolve())
        socket.close()
      }),
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      reject(new StaffFeedRefused(response.statusCode ?? 0))
      socket.terminate()
    })
    socket.once('error', reject)
    socket.once('open', () => resolve())
  })
  await client.waitFor('synced')
  return client
}
