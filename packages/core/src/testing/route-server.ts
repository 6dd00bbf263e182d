import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpRoute } from '../ports/http-route.js'

/** A started local HTTP server. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops it. */
  close(): Promise<void>
}

/** Starts `server` on 127.0.0.1 with a free port. */
export async function listenLocal(server: Server): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/**
 * Serves `HttpRoute`s on a real local HTTP server (exact paths; what `@omotenashi/server` does
 * in production), so webhook tests go through Node's HTTP stack like a real delivery.
 */
export async function serveRoutes(routes: readonly HttpRoute[]): Promise<LocalServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    const route = routes.find((r) => r.method === request.method && r.path === path)
    if (!route) {
      response.writeHead(404).end()
      return
    }
    route.handle(request, response, {}).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  return listenLocal(server)
}
