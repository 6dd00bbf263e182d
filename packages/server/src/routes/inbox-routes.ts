import { ErrorCode, Tokens } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { HttpError } from '../http-error.js'
import type { RouteContext } from './context.js'

const MessageParams = z.object({ customerId: z.string().min(1).max(512), messageId: z.string().min(1).max(512) })
const InboxQuery = z.object({
  unreadOnly: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
})

/**
 * The in-app inbox. Listing needs `read`; marking read and deleting are the app reporting what
 * the customer did, so they need `ingest` (a mobile app's key holds both).
 */
export function inboxRoutes(ctx: RouteContext): ApiRoute[] {
  const { hub } = ctx
  const inbox = () => hub.get(Tokens.InboxStore)
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/customers/:customerId/inbox',
      access: 'read',
      tag: 'inbox',
      summary: "A customer's live inbox messages, newest first.",
      params: MessageParams.pick({ customerId: true }),
      query: InboxQuery,
      handler: async ({ params, query }) => {
        const q: { unreadOnly?: boolean; limit?: number; now: string } = { now: new Date(hub.clock.now()).toISOString() }
        if (query.unreadOnly !== undefined) q.unreadOnly = query.unreadOnly
        if (query.limit !== undefined) q.limit = query.limit
        return { messages: await inbox().list(params.customerId, q) }
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/customers/:customerId/inbox/:messageId/read',
      access: 'ingest',
      tag: 'inbox',
      summary: 'Mark a message read.',
      params: MessageParams,
      responses: { '200': '`{ read: true }`', '404': 'no such message' },
      handler: async ({ params }) => {
        const ok = await inbox().markRead(params.customerId, params.messageId, new Date(hub.clock.now()).toISOString())
        if (!ok) throw new HttpError(404, ErrorCode.NotFound, 'no such message in this inbox')
        return { read: true }
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/customers/:customerId/inbox/:messageId',
      access: 'ingest',
      tag: 'inbox',
      summary: 'Delete a message.',
      params: MessageParams,
      responses: { '200': '`{ deleted: true }`', '404': 'no such message' },
      handler: async ({ params }) => {
        const ok = await inbox().delete(params.customerId, params.messageId)
        if (!ok) throw new HttpError(404, ErrorCode.NotFound, 'no such message in this inbox')
        return { deleted: true }
      },
    }),
  ]
}
