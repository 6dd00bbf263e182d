import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { sendJson, type HttpRoute } from '@omotenashi/core'
import type { FastifyInstance } from 'fastify'
import { credentialFrom, type ApiKeyRing } from './api-keys.js'
import { toErrorReply } from './http-error.js'
import type { ServerMetrics } from './metrics.js'

/**
 * Mounts the routes other packages contribute (webhooks, unsubscribe links, the staff feed).
 * They get Node's own request and response with the body unread (webhooks verify signatures
 * over the raw bytes), so Fastify's body parsing is switched off in their context.
 */
export async function mountRoutes(app: FastifyInstance, routes: readonly HttpRoute[], metrics: ServerMetrics): Promise<void> {
  await app.register(async (child) => {
    child.removeAllContentTypeParsers()
    child.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
    for (const route of routes) {
      child.route({
        method: route.method,
        url: route.path,
        config: { access: route.access, mounted: true },
        handler: async (request, reply) => {
          reply.hijack()
          const res = reply.raw
          const started = process.hrtime.bigint()
          res.once('finish', () => {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9
            metrics.requestDuration.labels(route.method, route.path, String(res.statusCode)).observe(seconds)
          })
          try {
            await route.handle(request.raw, res, request.params as Record<string, string>)
          } catch (error) {
            request.log.warn({ err: error, route: route.path }, 'mounted route failed')
            if (!res.headersSent) {
              const { status, body } = toErrorReply(error)
              sendJson(res, status, body)
            } else res.destroy()
          }
        },
      })
    }
  })
}

interface UpgradeEntry {
  readonly pattern: RegExp
  readonly names: readonly string[]
  readonly route: HttpRoute
}

/**
 * Sends WebSocket upgrades on the Node server to the routes that take them, after the same API
 * key check as HTTP (a browser cannot set headers on a WebSocket, so `?access_token=` works too).
 */
export function upgradeHandler(routes: readonly HttpRoute[], keys: ApiKeyRing, prefix: string, listenerCount: () => number) {
  const entries: UpgradeEntry[] = routes
    .filter((r) => typeof r.upgrade === 'function')
    .map((route) => {
      const names: string[] = []
      const source = (prefix + route.path)
        .split('/')
        .map((part) => {
          if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          names.push(part.slice(1))
          return '([^/]+)'
        })
        .join('/')
      return { pattern: new RegExp(`^${source}/?$`), names, route }
    })
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  }
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    for (const entry of entries) {
      const match = entry.pattern.exec(url.pathname)
      if (!match) continue
      if (entry.route.access !== 'public') {
        const credential = credentialFrom(request.headers) ?? url.searchParams.get('access_token') ?? undefined
        const key = credential === undefined ? undefined : keys.verify(credential)
        if (!key) return refuse(socket, '401 Unauthorized')
        if (!key.scopes.includes(entry.route.access)) return refuse(socket, '403 Forbidden')
      }
      const params: Record<string, string> = {}
      entry.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? '')))
      entry.route.upgrade!(request, socket, head, params)
      return
    }
    // Only answer for paths nobody else listens to; another upgrade listener may own this path.
    if (listenerCount() <= 1) refuse(socket, '404 Not Found')
  }
}
