import { parseDuration, ValidationError } from '@omotenashi/core'
import { isValidZone, parseClock } from './local-time.js'
import { PoliciesSchema, type PoliciesSpec } from './schema.js'

/** A cap: most messages per local day and per local (ISO) week. */
export interface Cap {
  readonly day?: number
  readonly week?: number
}

/** Contact policies, checked and ready to apply. */
export interface ContactPolicies {
  readonly overall: Cap
  readonly perChannel: ReadonlyMap<string, Cap>
  /** Quiet hours as minutes after local midnight; `from > to` wraps midnight. */
  readonly quietHours?: { readonly from: number; readonly to: number }
  readonly momentMs: number
  readonly boughtWithinMs: number
  readonly defaultTimeZone: string
  readonly defaultLocale: string
}

/** Checks contact policies, naming every bad field. */
export function compilePolicies(spec: PoliciesSpec = {}): ContactPolicies {
  const parsed = PoliciesSchema.safeParse(spec)
  if (!parsed.success) throw ValidationError.fromZod('decisioning policies', parsed.error, 'policies')
  const p = parsed.data
  const zone = p.defaultTimeZone ?? 'Asia/Tokyo'
  if (!isValidZone(zone)) throw new ValidationError('decisioning policies', [{ path: 'policies.defaultTimeZone', message: `unknown IANA time zone "${zone}"`, code: 'custom' }])
  return {
    overall: toCap(p.caps?.overall),
    perChannel: new Map(Object.entries(p.caps?.perChannel ?? {}).map(([k, v]) => [k, toCap(v)])),
    ...(p.quietHours === undefined ? {} : { quietHours: { from: parseClock(p.quietHours.from)!, to: parseClock(p.quietHours.to)! } }),
    momentMs: parseDuration(p.moment ?? '30m', { field: 'moment' }),
    boughtWithinMs: parseDuration(p.boughtWithin ?? '30d', { field: 'boughtWithin' }),
    defaultTimeZone: zone,
    defaultLocale: p.defaultLocale ?? 'ja',
  }
}

function toCap(cap: { day?: number | undefined; week?: number | undefined } | undefined): Cap {
  return { ...(cap?.day === undefined ? {} : { day: cap.day }), ...(cap?.week === undefined ? {} : { week: cap.week }) }
}
