import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * A framework-neutral HTTP route a package contributes (webhooks, the staff feed, unsubscribe
 * links). `@omotenashi/server` mounts every bound route; any other framework can too, since
 * the handler takes Node's own request and response.
 */
export interface HttpRoute {
  /** HTTP method. */
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path, e.g. `/webhooks/line`. `:name` segments are parameters. */
  readonly path: string
  /**
   * Who may call it. `public`: no API key (the route authenticates itself, e.g. by webhook
   * signature). Otherwise the API key scope required.
   */
  readonly access: 'public' | 'ingest' | 'read' | 'decide' | 'admin'
  /** One line for the OpenAPI document. */
  readonly summary?: string
  /**
   * Handles the request. The body has not been read: the route reads it (webhooks need the raw
   * bytes for signatures). `params` holds the `:name` path segments.
   */
  handle(request: IncomingMessage, response: ServerResponse, params: Readonly<Record<string, string>>): Promise<void>
  /** Handles a WebSocket upgrade on this path, if the route speaks WebSocket. `params` as for `handle`. */
  upgrade?(request: IncomingMessage, socket: Duplex, head: Buffer, params: Readonly<Record<string, string>>): void
}

/** Reads a request body to a Buffer, refusing more than `limit` bytes. */
export async function readBody(request: IncomingMessage, limit = 1_048_576): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > limit) throw Object.assign(new Error(`body larger than ${limit} bytes`), { statusCode: 413 })
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}

/** Writes a JSON response. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}
