import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { batchBody, batchStatus } from '../ingest/ingestor.js'
import { bodyBytesOf, type RouteContext } from './context.js'

const identity = (item: unknown) => item as never

/** Native ingest: our envelope, one event or a batch. */
export function nativeIngestRoutes(ctx: RouteContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/events',
      access: 'ingest',
      tag: 'ingest',
      summary: 'Publish one event (the Omotenashi envelope). Idempotent on `id`.',
      body: z.record(z.string(), z.unknown()),
      bodyDoc: { $ref: '#/components/schemas/Event' },
      responses: { '200': 'accepted: `{ id, duplicate? }`', '400': 'refused, with every issue', '413': 'larger than maxEventBytes' },
      handler: async ({ body, request }) => ctx.ingestor.one(body, identity, bodyBytesOf(request)),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/events/batch',
      access: 'ingest',
      tag: 'ingest',
      summary: 'Publish a batch of events: `{ events: [...] }` or a bare array. Good items are accepted, bad ones reported by index.',
      body: z.union([z.array(z.unknown()), z.object({ events: z.array(z.unknown()) })]),
      bodyDoc: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: { $ref: '#/components/schemas/Event' } } } },
      responses: { '200': 'all accepted', '207': 'some refused (see `rejected`)', '400': 'all refused', '413': 'too many events or too many bytes' },
      handler: async ({ body, request, reply }) => {
        const items = Array.isArray(body) ? body : body.events
        const report = await ctx.ingestor.ingest(items, identity, bodyBytesOf(request))
        reply.code(batchStatus(report))
        return batchBody(report)
      },
    }),
  ]
}
