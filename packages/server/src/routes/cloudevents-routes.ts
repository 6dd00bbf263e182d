import { fromCloudEvent } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { batchBody, batchStatus } from '../ingest/ingestor.js'
import { bodyBytesOf, type RouteContext } from './context.js'

/** Content types of CloudEvents' JSON event format, structured and batched. */
export const CLOUDEVENTS_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json'] as const

/** CloudEvents ingest: structured mode (one event) and batch mode (an array). */
export function cloudEventsRoutes(ctx: RouteContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/cloudevents',
      access: 'ingest',
      tag: 'ingest',
      summary: 'Publish CloudEvents: `application/cloudevents+json` (one) or `application/cloudevents-batch+json` (an array).',
      contentTypes: [...CLOUDEVENTS_TYPES, 'application/json'],
      body: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]),
      bodyDoc: { oneOf: [{ $ref: '#/components/schemas/CloudEvent' }, { type: 'array', items: { $ref: '#/components/schemas/CloudEvent' } }] },
      responses: { '200': 'accepted', '207': 'batch: some refused', '400': 'refused', '413': 'too large' },
      handler: async ({ body, request, reply }) => {
        if (Array.isArray(body)) {
          const report = await ctx.ingestor.ingest(body, fromCloudEvent, bodyBytesOf(request))
          reply.code(batchStatus(report))
          return batchBody(report)
        }
        return ctx.ingestor.one(body, fromCloudEvent, bodyBytesOf(request))
      },
    }),
  ]
}
