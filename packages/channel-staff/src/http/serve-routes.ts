import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sendJson, type HttpRoute } from '@omotenashi/core'

/** Options of {@link serveRoutes}. */
export interface ServeRoutesOptions {
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number
  /** Interface. Default `127.0.0.1`. */
  readonly host?: string
  /**
   * Lets a request through to a route whose `access` is not `public` (API keys are your
   * server's business). Without it such routes answer 401: nothing is open by accident.
   */
  readonly authorize?: (request: IncomingMessage, route: HttpRoute) => boolean | Promise<boolean>
}

/** A running {@link serveRoutes} server. */
export interface RouteServer {
  /** The Node server. */
  readonly server: Server
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Closes the server and every open connection. */
  close(): Promise<void>
}

interface Compiled {
  readonly route: HttpRoute
  readonly segments: readonly string[]
}

function match(compiled: readonly Compiled[], method: string | undefined, pathname: string): { route: HttpRoute; params: Record<string, string> } | 'method' | undefined {
  const parts = pathname.split('/').filter(Boolean)
  let pathMatched = false
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (const [i, seg] of c.segments.entries()) {
      const part = parts[i]!
      if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(part)
      else if (seg !== part) {
        ok = false
        break
      }
    }
    if (!ok) continue
    pathMatched = true
    if (c.route.method === method) return { route: c.route, params }
  }
  return pathMatched ? 'method' : undefined
}

/**
 * Serves {@link HttpRoute}s on a plain `node:http` server, WebSocket upgrades included: for
 * tests, and for adopters who do not run `@omotenashi/server`.
 *
 * @example
 * ```ts
 * const { url, close } = await serveRoutes(hub.container.getAll(Tokens.HttpRoute), { port: 8080 })
 * ```
 */
export async function serveRoutes(routes: readonly HttpRoute[], options: ServeRoutesOptions = {}): Promise<RouteServer> {
  const compiled: Compiled[] = routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }))
  const allowed = async (request: IncomingMessage, route: HttpRoute): Promise<boolean> =>
    route.access === 'public' || ((await options.authorize?.(request, route)) ?? false)

  const server = createServer((request, response) => {
    void (async () => {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname
      const found = match(compiled, request.method, pathname)
      if (found === undefined) return sendJson(response, 404, { error: 'not found' })
      if (found === 'method') return sendJson(response, 405, { error: 'method not allowed' })
      if (!(await allowed(request, found.route))) return sendJson(response, 401, { error: `this route needs the "${found.route.access}" scope` })
      await found.route.handle(request, response, found.params)
    })().catch(() => {
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' })
      else response.destroy()
    })
  })
  server.on('upgrade', (request, socket, head) => {
    void (async () => {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname
      const found = match(compiled, request.method, pathname)
      if (typeof found !== 'object' || !found.route.upgrade) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      if (!(await allowed(request, found.route))) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      found.route.upgrade(request, socket, head, found.params)
    })().catch(() => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
