import * as z from 'zod'

const idLike = z.union([z.string().trim().min(1).max(512), z.number().finite()]).transform(String)
const record = z.record(z.string(), z.unknown())
const time = z.union([z.string().max(100), z.number()])

/** The Segment message kinds the Tracking API takes. */
export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'alias', 'group'] as const

/** A Segment message kind. */
export type SegmentType = (typeof SEGMENT_TYPES)[number]

/**
 * One message of the Segment Tracking API (as sent by analytics-node, RudderStack's SDKs and
 * Segment's HTTP API). Loose: fields we do not map are ignored, never refused.
 */
export const SegmentMessageSchema = z.looseObject({
  type: z.enum(SEGMENT_TYPES).optional(),
  messageId: z.string().min(1).max(200).optional(),
  userId: idLike.nullish(),
  anonymousId: idLike.nullish(),
  timestamp: time.nullish(),
  originalTimestamp: time.nullish(),
  sentAt: time.nullish(),
  context: record.nullish(),
  integrations: record.nullish(),
  event: z.string().min(1).max(200).optional(),
  name: z.string().max(200).nullish(),
  category: z.string().max(200).nullish(),
  properties: record.nullish(),
  traits: record.nullish(),
  groupId: idLike.nullish(),
  previousId: idLike.nullish(),
  writeKey: z.string().optional(),
})

/** One Segment message. */
export type SegmentMessage = z.output<typeof SegmentMessageSchema>

/** The body of Segment's `/v1/batch` (and `/v1/import`): messages with a shared context. */
export const SegmentBatchSchema = z.looseObject({
  batch: z.array(z.unknown()),
  context: record.nullish(),
  integrations: record.nullish(),
  sentAt: time.nullish(),
  writeKey: z.string().optional(),
})
