import { fromCloudEvent, ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { asHeaderError, cloudEventFromBinary, isBinaryMode } from '../ingest/cloudevents-binary.js'
import { batchBody, batchStatus } from '../ingest/ingestor.js'
import { bodyBytesOf, type RouteContext } from './context.js'

/** Content types of CloudEvents' JSON event format, structured and batched. */
export const CLOUDEVENTS_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json'] as const

const StructuredBody = z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())])

/**
 * CloudEvents ingest over the HTTP protocol binding: structured mode (one event), batch mode (an
 * array) and binary mode (`ce-*` headers, the body is the data).
 */
export function cloudEventsRoutes(ctx: RouteContext): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/cloudevents',
      access: 'ingest',
      tag: 'ingest',
      summary:
        'Publish CloudEvents: structured `application/cloudevents+json` (one), batch `application/cloudevents-batch+json` (an array), or binary mode (`ce-specversion`, `ce-id`, `ce-source`, `ce-type` and extension headers; the body is the data, JSON or text). Idempotent on the event id.',
      contentTypes: [...CLOUDEVENTS_TYPES, 'application/json'],
      // Binary mode's body is the event's data, which may be any JSON value or text: checked below.
      body: z.unknown(),
      bodyDoc: { oneOf: [{ $ref: '#/components/schemas/CloudEvent' }, { type: 'array', items: { $ref: '#/components/schemas/CloudEvent' } }] },
      responses: { '200': 'accepted', '207': 'batch: some refused', '400': 'refused', '413': 'too large' },
      handler: async ({ body: raw, request, reply }) => {
        if (isBinaryMode(request.headers)) {
          const fromHeaders = (data: unknown) => {
            try {
              return fromCloudEvent(cloudEventFromBinary(request.headers, data))
            } catch (error) {
              throw error instanceof ValidationError && !error.message.startsWith('CloudEvent (binary mode)') ? asHeaderError(error) : error
            }
          }
          return ctx.ingestor.one(raw, fromHeaders, bodyBytesOf(request))
        }
        const parsed = StructuredBody.safeParse(raw)
        if (!parsed.success) throw ValidationError.fromZod('body', parsed.error)
        const body = parsed.data
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
