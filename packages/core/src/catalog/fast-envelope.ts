import { EVENT_TYPE_PATTERN, SOURCE_PATTERN, type EventInput } from '../envelope.js'
import { IDENTIFIER_KIND_PATTERN } from '../identity.js'

/**
 * A hand-written check of the event envelope for the hot path (zod's schema costs several
 * times more per event). It is deliberately *narrower* than `EventInputSchema`: whatever it
 * accepts, the schema accepts and normalises the same way; whatever it is unsure of returns
 * undefined, and the caller runs the zod schema, which stays the authority and produces the
 * error messages.
 */
export interface FastEnvelope {
  readonly id?: string
  readonly type: string
  readonly source: string
  readonly time?: string
  readonly identity?: Record<string, string>
  readonly subject?: string
  readonly storeId?: string
  readonly location?: { lat: number; lon: number }
  readonly data?: Record<string, unknown>
  readonly causationId?: string
  readonly correlationId?: string
}

const TYPE = EVENT_TYPE_PATTERN
const SOURCE = SOURCE_PATTERN
const KIND = IDENTIFIER_KIND_PATTERN
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/
const KNOWN = new Set(['id', 'type', 'source', 'time', 'identity', 'subject', 'storeId', 'location', 'data', 'causationId', 'correlationId'])

const isShortId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 200

/** The normalised envelope, or undefined when the zod schema must decide. */
export function fastEnvelope(input: unknown): FastEnvelope | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const e = input as Record<string, unknown>
  for (const key in e) if (!KNOWN.has(key)) return undefined
  const { type, source } = e
  if (typeof type !== 'string' || !TYPE.test(type) || typeof source !== 'string' || !SOURCE.test(source)) return undefined
  const out: Record<string, unknown> = { type, source }
  for (const key of ['id', 'subject', 'storeId', 'causationId', 'correlationId'] as const) {
    const v = e[key]
    if (v === undefined) continue
    if (!isShortId(v)) return undefined
    out[key] = v
  }
  const time = e['time']
  if (time !== undefined) {
    if (typeof time !== 'string') return undefined
    if (CANONICAL_UTC.test(time)) out['time'] = time
    else if (ISO_WITH_OFFSET.test(time)) {
      const ms = Date.parse(time)
      if (Number.isNaN(ms)) return undefined
      out['time'] = new Date(ms).toISOString()
    } else return undefined
  }
  const identity = e['identity']
  if (identity !== undefined) {
    if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) return undefined
    const ids: Record<string, string> = {}
    for (const kind in identity) {
      const value = (identity as Record<string, unknown>)[kind]
      // Undefined values and values with surrounding spaces: the schema's rules are subtler
      // (key names still checked, custom kinds must have a value, trimming): let it decide.
      if (typeof value !== 'string' || value.length === 0 || value.length > 512 || !KIND.test(kind) || value.trim() !== value) return undefined
      ids[kind] = value
    }
    out['identity'] = ids
  }
  const location = e['location']
  if (location !== undefined) {
    const l = location as { lat?: unknown; lon?: unknown }
    if (typeof l !== 'object' || l === null || Object.keys(l).length !== 2) return undefined
    if (typeof l.lat !== 'number' || typeof l.lon !== 'number' || !(Math.abs(l.lat) <= 90) || !(Math.abs(l.lon) <= 180)) return undefined
    out['location'] = { lat: l.lat, lon: l.lon }
  }
  const data = e['data']
  if (data !== undefined) {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
    out['data'] = data
  }
  return out as unknown as FastEnvelope
}

/** For type tests: a fast envelope is an event input. */
export type _FastEnvelopeIsInput = FastEnvelope extends EventInput ? true : never
