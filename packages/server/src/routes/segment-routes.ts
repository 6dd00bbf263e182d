import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { batchBody, batchStatus } from '../ingest/ingestor.js'
import { segmentToEvent } from '../ingest/segment-mapping.js'
import { SEGMENT_TYPES, SegmentBatchSchema } from '../ingest/segment-schemas.js'
import { bodyBytesOf, type RouteContext } from './context.js'

const WHAT: Readonly<Record<(typeof SEGMENT_TYPES)[number], string>> = {
  track: 'an action (mapped to a catalogue type, else `segment.track`)',
  identify: 'traits (`profile.traits_updated`)',
  page: 'a page view (`page.viewed`)',
  screen: 'an app screen view (`screen.viewed`)',
  alias: 'two identities of one person (`identity.linked`)',
  group: 'group membership (`segment.group`)',
}

/**
 * The Segment-compatible Tracking API: Segment's and RudderStack's server SDKs send here
 * unchanged (write key as Basic auth user name, an `ingest` API key).
 */
export function segmentRoutes(ctx: RouteContext): ApiRoute[] {
  const seg = ctx.options.segment
  const single = SEGMENT_TYPES.map((kind) =>
    defineRoute({
      method: 'POST',
      url: `/v1/${kind}`,
      access: 'ingest',
      writeKeyInBody: true,
      tag: 'segment',
      summary: `Segment ${kind}: ${WHAT[kind]}.`,
      body: z.record(z.string(), z.unknown()),
      bodyDoc: { $ref: '#/components/schemas/SegmentMessage' },
      responses: { '200': '`{ success: true, id }`', '400': 'refused, with every issue' },
      handler: async ({ body, request }) => {
        const item = await ctx.ingestor.one(body, (m) => segmentToEvent(m, kind, seg), bodyBytesOf(request))
        return { success: true, ...item }
      },
    }),
  )
  const batch = ['/v1/batch', '/v1/import'].map((url) =>
    defineRoute({
      method: 'POST',
      url,
      access: 'ingest',
      writeKeyInBody: true,
      tag: 'segment',
      summary: 'Segment batch: `{ batch: [messages] }`. Good messages are accepted, bad ones reported by index.',
      body: SegmentBatchSchema,
      bodyDoc: { type: 'object', required: ['batch'], properties: { batch: { type: 'array', items: { $ref: '#/components/schemas/SegmentMessage' } }, context: { type: 'object' } } },
      responses: { '200': 'all accepted', '207': 'some refused', '400': 'all refused', '413': 'too large' },
      handler: async ({ body, request, reply }) => {
        const shared = { context: body.context }
        const report = await ctx.ingestor.ingest(body.batch, (m) => segmentToEvent(m, undefined, seg, shared), bodyBytesOf(request))
        reply.code(batchStatus(report))
        return { success: report.rejected.length === 0, ...batchBody(report) }
      },
    }),
  )
  return [...single, ...batch]
}
