import * as z from 'zod'
import type { EventInput, OmoEvent } from './envelope.js'
import { ValidationError } from './errors.js'
import { BUILT_IN_IDENTIFIER_KINDS } from './identity.js'

/**
 * A CloudEvents 1.0 event in JSON format (structured mode). Omotenashi's envelope maps onto
 * context attributes and extensions (all lower-case, per the spec's naming rule):
 * built-in identifiers as `customerid`, `email`, `lineuserid`…; custom identifiers as one JSON
 * string `omoidentity`; `storeid`, `omolocation` (`"lat,lon"`), `causationid`, `correlationid`.
 */
export const CloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime({ offset: true }).optional(),
  subject: z.string().min(1).optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  data: z.unknown().optional(),
})

/** A CloudEvents 1.0 event in JSON format. */
export type CloudEvent = z.infer<typeof CloudEventSchema>

const KIND_TO_EXTENSION = new Map<string, string>(BUILT_IN_IDENTIFIER_KINDS.map((k) => [k, k.toLowerCase()]))
const EXTENSION_TO_KIND = new Map<string, string>(BUILT_IN_IDENTIFIER_KINDS.map((k) => [k.toLowerCase(), k]))

/** Converts an accepted event to a CloudEvent; {@link fromCloudEvent} gives it back unchanged. */
export function toCloudEvent(event: OmoEvent): CloudEvent {
  const ce: CloudEvent = {
    specversion: '1.0',
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    datacontenttype: 'application/json',
    data: event.data,
  }
  if (event.subject !== undefined) ce.subject = event.subject
  const custom: Record<string, string> = {}
  for (const [kind, value] of Object.entries(event.identity)) {
    if (value === undefined) continue
    const ext = KIND_TO_EXTENSION.get(kind)
    if (ext) ce[ext] = value
    else custom[kind] = value
  }
  if (Object.keys(custom).length > 0) ce['omoidentity'] = JSON.stringify(custom)
  if (event.storeId !== undefined) ce['storeid'] = event.storeId
  if (event.location !== undefined) ce['omolocation'] = `${event.location.lat},${event.location.lon}`
  if (event.causationId !== undefined) ce['causationid'] = event.causationId
  if (event.correlationId !== undefined) ce['correlationid'] = event.correlationId
  return ce
}

/**
 * Converts a CloudEvent (structured JSON) to an event input for `hub.publish`. Throws a
 * {@link ValidationError} naming the attribute when the CloudEvent itself is malformed.
 */
export function fromCloudEvent(input: unknown): EventInput {
  const parsed = CloudEventSchema.safeParse(input)
  if (!parsed.success) throw ValidationError.fromZod('CloudEvent', parsed.error)
  const ce = parsed.data
  const identity: Record<string, string> = {}
  for (const [ext, kind] of EXTENSION_TO_KIND) {
    const value = ce[ext]
    if (typeof value === 'string') identity[kind] = value
  }
  if (typeof ce['omoidentity'] === 'string') {
    let custom: unknown
    try {
      custom = JSON.parse(ce['omoidentity'])
    } catch {
      throw new ValidationError('CloudEvent', [{ path: 'omoidentity', message: 'must be a JSON object of identifiers', code: 'custom' }])
    }
    if (typeof custom !== 'object' || custom === null) {
      throw new ValidationError('CloudEvent', [{ path: 'omoidentity', message: 'must be a JSON object of identifiers', code: 'custom' }])
    }
    Object.assign(identity, custom)
  }
  const out: EventInput = { id: ce.id, type: ce.type, source: ce.source, identity }
  if (ce.time !== undefined) out.time = ce.time
  if (ce.subject !== undefined) out.subject = ce.subject
  if (ce.data !== undefined) out.data = ce.data as Record<string, unknown>
  if (typeof ce['storeid'] === 'string') out.storeId = ce['storeid']
  if (typeof ce['omolocation'] === 'string') {
    const [lat, lon] = ce['omolocation'].split(',').map(Number)
    if (lat !== undefined && lon !== undefined && Number.isFinite(lat) && Number.isFinite(lon)) out.location = { lat, lon }
  }
  if (typeof ce['causationid'] === 'string') out.causationId = ce['causationid']
  if (typeof ce['correlationid'] === 'string') out.correlationId = ce['correlationid']
  return out
}
