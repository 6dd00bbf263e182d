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
 * The browser paths of analytics.js / @segment/analytics-next: with `apiHost: '<host>/v1'` it
 * posts each call to `/v1/` plus the type's first letter (`t`, `i`, `p`, `s`, `a`, `g`; see its
 * segmentio plugin) and batches to `/v1/b`, as `text/plain` JSON with the write key in the body
 * (and, for fetch, also as Basic auth).
 */
export const SEGMENT_BROWSER_PATHS: Readonly<Record<(typeof SEGMENT_TYPES)[number], string>> = {
  track: '/v1/t',
  identify: '/v1/i',
  page: '/v1/p',
  screen: '/v1/s',
  alias: '/v1/a',
  group: '/v1/g',
}

/**
 * The Segment-compatible Tracking API: Segment's and RudderStack's server SDKs send here
 * unchanged (write key as Basic auth user name, an `ingest` API key), and so do Segment's
 * browser SDKs (short paths, write key in the body; see {@link SEGMENT_BROWSER_PATHS}).
 */
export function segmentRoutes(ctx: RouteContext): ApiRoute[] {
  const seg = ctx.options.segment
  const kinds = SEGMENT_TYPES.flatMap((kind) => [
    { kind, url: `/v1/${kind}`, browser: false },
    { kind, url: SEGMENT_BROWSER_PATHS[kind], browser: true },
  ])
  const single = kinds.map(({ kind, url, browser }) =>
    defineRoute({
      method: 'POST',
      url,
      access: 'ingest',
      writeKeyInBody: true,
      tag: 'segment',
      summary: browser ? `Segment ${kind} from analytics.js / analytics-next (browser path; \`text/plain\` JSON, \`writeKey\` in the body).` : `Segment ${kind}: ${WHAT[kind]}.`,
      contentTypes: ['application/json', 'text/plain'],
      body: z.record(z.string(), z.unknown()),
      bodyDoc: { $ref: '#/components/schemas/SegmentMessage' },
      responses: { '200': '`{ success: true, id }`', '400': 'refused, with every issue' },
      handler: async ({ body, request }) => {
        const item = await ctx.ingestor.one(body, (m) => segmentToEvent(m, kind, seg), bodyBytesOf(request))
        return { success: true, ...item }
      },
    }),
  )
  const batch = ['/v1/batch', '/v1/import', '/v1/b'].map((url) =>
    defineRoute({
      method: 'POST',
      url,
      access: 'ingest',
      writeKeyInBody: true,
      tag: 'segment',
      summary: `Segment batch: \`{ batch: [messages] }\`. Good messages are accepted, bad ones reported by index.${url === '/v1/b' ? ' The browser path of analytics-next with `deliveryStrategy: batching`.' : ''}`,
      contentTypes: ['application/json', 'text/plain'],
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
