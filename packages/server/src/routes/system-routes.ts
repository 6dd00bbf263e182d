import { defineRoute, type ApiRoute } from '../api-route.js'
import type { RouteContext } from './context.js'

/** Health, readiness and metrics. The OpenAPI route is added by the plugin (it needs the whole table). */
export function systemRoutes(ctx: RouteContext): ApiRoute[] {
  const { hub, metrics } = ctx
  return [
    defineRoute({
      method: 'GET',
      url: '/health',
      access: 'public',
      tag: 'system',
      summary: 'Liveness: the process answers.',
      unlimited: true,
      handler: async () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET',
      url: '/ready',
      access: 'public',
      tag: 'system',
      summary: 'Readiness: 200 once the hub runs, 503 before and while stopping.',
      unlimited: true,
      responses: { '200': 'ready', '503': 'not running' },
      handler: async ({ reply }) => {
        if (!hub.running) reply.code(503)
        return hub.running ? { status: 'ready' } : { status: 'not_ready', error: { code: 'E_NOT_STARTED', message: 'the hub is not running' } }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      access: ctx.options.metrics.access,
      tag: 'system',
      summary: 'Prometheus metrics (text format).',
      unlimited: true,
      handler: async ({ reply }) => {
        reply.header('content-type', metrics.registry.contentType)
        return metrics.registry.metrics()
      },
    }),
  ]
}
