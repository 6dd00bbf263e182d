import { IdentitySchema, Tokens } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import type { RouteContext } from './context.js'
import { CustomerParams } from './profile-routes.js'

/** The body of a pull decision. */
export const DecideBody = z.object({
  identity: IdentitySchema,
  placement: z.string().min(1).max(200),
  context: z.record(z.string(), z.unknown()).optional(),
  limit: z.number().int().min(1).max(50).optional(),
})

const DecisionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
})

/** Pull decisions for screens, and the decision log per customer ("see why"). */
export function decisionRoutes(ctx: RouteContext): ApiRoute[] {
  const { hub } = ctx
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/decide',
      access: 'decide',
      tag: 'decisions',
      summary: 'What to show at a placement (web slot, staff card, call-centre screen). Sends nothing.',
      body: DecideBody,
      responses: { '200': 'the decision, winning actions and a profile view', '501': 'the hub has no decider' },
      handler: async ({ body }) => {
        const request: Parameters<typeof hub.decide>[0] = { identity: body.identity as Record<string, string>, placement: body.placement }
        if (body.context !== undefined) Object.assign(request, { context: body.context })
        if (body.limit !== undefined) Object.assign(request, { limit: body.limit })
        const answer = await hub.decide(request)
        ctx.metrics.decisions.labels('pull').inc()
        return answer
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/customers/:customerId/decisions',
      access: 'read',
      tag: 'decisions',
      summary: "A customer's decisions, newest first: candidates, scores, winner, and the policy that stopped each other one.",
      params: CustomerParams,
      query: DecisionQuery,
      handler: async ({ params, query }) => {
        const q: { limit?: number; since?: string } = {}
        if (query.limit !== undefined) q.limit = query.limit
        if (query.since !== undefined) q.since = query.since
        return { decisions: await hub.get(Tokens.DecisionLog).list(params.customerId, q) }
      },
    }),
  ]
}
