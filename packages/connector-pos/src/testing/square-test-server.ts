import { createServer } from 'node:http'
import { listenLocal, type LocalServer } from '@omotenashi/core/testing'

/** A local stand-in for Square's Orders API (`GET /v2/orders/{order_id}`), for tests. */
export interface SquareTestServer extends LocalServer {
  /** Orders it serves, by id (add more at any time). */
  readonly orders: Map<string, Record<string, unknown>>
  /** Requests it answered, by path. */
  readonly requests: string[]
}

/**
 * Starts a Square Orders API test server on 127.0.0.1. Written from Square's public API
 * reference: bearer token required, `{ order }` on 200, `{ errors: [...] }` with 404 otherwise.
 */
export async function startSquareTestServer(options: { readonly accessToken: string; readonly orders?: Record<string, Record<string, unknown>> }): Promise<SquareTestServer> {
  const orders = new Map(Object.entries(options.orders ?? {}))
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(request.url ?? '')
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) {
      send(401, { errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'bad token' }] })
      return
    }
    const m = /^\/v2\/orders\/([^/?]+)$/.exec(request.url ?? '')
    const order = m ? orders.get(decodeURIComponent(m[1]!)) : undefined
    if (request.method !== 'GET' || !order) {
      send(404, { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail: 'order not found' }] })
      return
    }
    send(200, { order })
  })
  const local = await listenLocal(server)
  return { ...local, orders, requests }
}
