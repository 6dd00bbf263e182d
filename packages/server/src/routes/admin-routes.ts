import { Tokens } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import type { RouteContext } from './context.js'

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), stage: z.string().min(1).max(50).optional() })

/** Operations: dead letters and their re-drive. */
export function adminRoutes(ctx: RouteContext): ApiRoute[] {
  const { hub } = ctx
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/admin/dead-letters',
      access: 'admin',
      tag: 'admin',
      summary: 'Dead letters waiting, oldest first: the event, the stage that failed and why.',
      query: ListQuery,
      handler: async ({ query }) => {
        const store = hub.get(Tokens.DeadLetterStore)
        const q: { limit?: number; stage?: string } = {}
        if (query.limit !== undefined) q.limit = query.limit
        if (query.stage !== undefined) q.stage = query.stage
        return { total: await store.count(), deadLetters: await store.list(q) }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/admin/dead-letters/:id/redrive',
      access: 'admin',
      tag: 'admin',
      summary: 'Run a dead letter through the pipeline again (it returns as a dead letter if it fails again).',
      params: z.object({ id: z.string().min(1).max(200) }),
      responses: { '202': 'queued again', '404': 'no such dead letter' },
      handler: async ({ params, reply }) => {
        await hub.redrive(params.id)
        reply.code(202)
        return { redriven: params.id }
      },
    }),
  ]
}
