import * as z from 'zod'
import { IdentitySchema } from './identity.js'

/** Sources the toolkit knows; any other lower-case name is a custom source. */
export const KNOWN_SOURCES = [
  'web', 'app', 'pos', 'erp', 'line', 'email', 'push', 'inbox', 'staff', 'callcenter', 'iot', 'system',
] as const

/** A known event source. */
export type KnownSource = (typeof KNOWN_SOURCES)[number]

/** What an event's `source` may be: a lower-case name such as `pos`, `web` or `my-kiosk` (128 at most). */
export const SOURCE_PATTERN = /^[a-z][a-z0-9._/-]{0,127}$/

/**
 * An event `source` name. Adapters validate their `source` option with it, so a bad name fails
 * when the hub is configured instead of on every event it publishes.
 */
export const SourceNameSchema = z.string().regex(SOURCE_PATTERN, 'must be a lower-case name such as "pos", "web" or "my-kiosk"')

const sourceSchema = SourceNameSchema

/** What an event `type` may be: dotted lower-case words such as `store.checked_in`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/

const typeSchema = z
  .string()
  .regex(EVENT_TYPE_PATTERN, 'must be dotted lower-case words such as "store.checked_in"')

const timeSchema = z
  .union([z.iso.datetime({ offset: true }), z.date()])
  .transform((value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()))

/** A point on the map (WGS 84). */
export const GeoPointSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
})

/** A point on the map. */
export type GeoPoint = z.infer<typeof GeoPointSchema>

const envelopeShape = {
  /** Unique event id; redeliveries carry the same id. Generated when omitted. */
  id: z.string().min(1).max(200).optional(),
  /** Event type from the catalogue, e.g. `store.checked_in`. */
  type: typeSchema,
  /** Where the event came from: `web`, `pos`, `line`… or a custom name. */
  source: sourceSchema,
  /** When it happened (ISO 8601 with offset, or a Date). Defaults to the hub clock's now. */
  time: timeSchema.optional(),
  /** Who it is about. Empty for events about things (prices, stock). */
  identity: IdentitySchema.optional(),
  /** What it is about when not a person, e.g. a SKU (CloudEvents `subject`). */
  subject: z.string().min(1).max(200).optional(),
  /** The store the event happened at or concerns. */
  storeId: z.string().min(1).max(200).optional(),
  /** Where it happened. */
  location: GeoPointSchema.optional(),
  /** Type-specific payload, validated against the catalogue. */
  data: z.record(z.string(), z.unknown()).optional(),
  /** The event (or decision) this one was caused by. */
  causationId: z.string().min(1).max(200).optional(),
  /** Groups events of one flow (a journey, a conversation). */
  correlationId: z.string().min(1).max(200).optional(),
}

/** What a caller publishes: an event with `id`, `time` and `data` optional. */
export const EventInputSchema = z.object(envelopeShape)

/** What a caller publishes. See {@link EventInputSchema}. */
export type EventInput = z.input<typeof EventInputSchema>

/** An accepted event: every field normalised, `id`, `time`, `identity` and `data` always present. */
export const OmoEventSchema = z.object({
  ...envelopeShape,
  id: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true }),
  identity: IdentitySchema,
  data: z.record(z.string(), z.unknown()),
})

/**
 * An accepted event. `TData` is the payload type of its catalogue entry.
 */
export type OmoEvent<TData = Record<string, unknown>, TType extends string = string> = Omit<
  z.output<typeof OmoEventSchema>,
  'data' | 'type'
> & { readonly type: TType; readonly data: TData }
