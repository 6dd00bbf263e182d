import { ValidationError, type EventDefinition, type EventInput, type ValidationIssue } from '@omotenashi/core'
import * as z from 'zod'
import type { ResolvedServerOptions, SegmentTrackMapper } from '../options.js'
import { SegmentMessageSchema, type SegmentMessage, type SegmentType } from './segment-schemas.js'

/** Custom event types the Segment API needs, registered in the hub's catalogue by the server. */
export const SEGMENT_EVENT_TYPES: Readonly<Record<string, EventDefinition>> = {
  'segment.track': {
    needsCustomer: true,
    description: 'A Segment track call with no mapping to a catalogue type.',
    data: z.looseObject({ event: z.string().min(1).max(200), properties: z.record(z.string(), z.unknown()).optional() }),
  },
  'segment.group': {
    needsCustomer: true,
    description: 'A Segment group call: the customer belongs to a group (company, household).',
    data: z.looseObject({ groupId: z.string().min(1).max(512), traits: z.record(z.string(), z.unknown()).optional() }),
  },
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined)
const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** Mappers for the Segment e-commerce spec events that have a catalogue counterpart. */
export const BUILT_IN_TRACK_MAPPERS: Readonly<Record<string, SegmentTrackMapper>> = {
  'Product Viewed': (m) => {
    const p = m.properties ?? {}
    return { type: 'product.viewed', data: defined({ ...p, sku: str(p['sku']) ?? str(p['product_id']), name: p['name'], category: p['category'], price: p['price'], currency: p['currency'] }) }
  },
  'Product Added': (m) => {
    const p = m.properties ?? {}
    return { type: 'cart.item_added', data: defined({ ...p, sku: str(p['sku']) ?? str(p['product_id']), quantity: p['quantity'] ?? 1, price: p['price'], currency: p['currency'], cartId: str(p['cart_id']) }) }
  },
  'Order Completed': (m) => {
    const p = m.properties ?? {}
    const products = Array.isArray(p['products']) ? (p['products'] as Array<Record<string, unknown>>) : []
    const items = products.map((x) =>
      defined({ sku: str(x?.['sku']) ?? str(x?.['product_id']), name: x?.['name'], category: x?.['category'], quantity: x?.['quantity'] ?? 1, unitPrice: x?.['price'] }),
    )
    return { type: 'order.placed', data: defined({ orderId: str(p['order_id']), items, total: p['total'] ?? p['revenue'], currency: p['currency'] }) }
  },
}

function timeOf(m: SegmentMessage, issues: ValidationIssue[]): string | undefined {
  const raw = m.timestamp ?? m.originalTimestamp
  if (raw === undefined || raw === null) return undefined
  const date = new Date(raw)
  if (Number.isNaN(date.getTime())) {
    issues.push({ path: m.timestamp != null ? 'timestamp' : 'originalTimestamp', message: 'must be an ISO 8601 date-time', code: 'invalid_format' })
    return undefined
  }
  return date.toISOString()
}

/**
 * Converts one Segment message to an event input for the hub. `kind` is the endpoint's type
 * (`/v1/track`…) or undefined for batch items, which carry their own `type`. Throws a
 * {@link ValidationError} naming the field when the message cannot be mapped; the hub's
 * catalogue then validates the event itself.
 */
export function segmentToEvent(input: unknown, kind: SegmentType | undefined, options: ResolvedServerOptions['segment'], shared?: { context?: Record<string, unknown> | null | undefined }): EventInput {
  const parsed = SegmentMessageSchema.safeParse(input)
  if (!parsed.success) throw ValidationError.fromZod('Segment message', parsed.error)
  const m = parsed.data
  const issues: ValidationIssue[] = []
  const type = kind ?? m.type
  if (type === undefined) throw new ValidationError('Segment message', [{ path: 'type', message: 'a batch item must say its type: track, identify, page, screen, alias or group', code: 'invalid_type' }])
  if (kind !== undefined && m.type !== undefined && m.type !== kind) issues.push({ path: 'type', message: `this endpoint takes "${kind}" messages, not "${m.type}"`, code: 'invalid_value' })

  const identity: Record<string, string> = {}
  if (m.userId != null) identity[options.userIdKind] = m.userId
  if (m.anonymousId != null) identity['anonymousId'] = m.anonymousId
  const time = timeOf(m, issues)
  const context = m.context ?? shared?.context ?? undefined
  const event: EventInput = { type: '', source: options.source, identity }
  if (m.messageId !== undefined) event.id = m.messageId
  if (time !== undefined) event.time = time
  const storeId = str(m.properties?.['storeId']) ?? str(context?.['storeId'])
  if (storeId !== undefined) event.storeId = storeId

  switch (type) {
    case 'track': {
      if (m.event === undefined) {
        issues.push({ path: 'event', message: 'a track call needs the event name', code: 'invalid_type' })
        break
      }
      const mapping = options.track[m.event] ?? BUILT_IN_TRACK_MAPPERS[m.event]
      const mapped = typeof mapping === 'string' ? { type: mapping, data: { ...(m.properties ?? {}) } } : mapping?.(m)
      if (mapped) Object.assign(event, mapped, { identity: { ...identity, ...(mapped.identity ?? {}) } })
      else Object.assign(event, { type: 'segment.track', data: defined({ event: m.event, properties: m.properties ?? undefined }) })
      break
    }
    case 'identify': {
      const traits = m.traits ?? (context?.['traits'] as Record<string, unknown> | undefined) ?? {}
      for (const kindName of options.identifyTraitsAsIdentifiers) {
        const value = str(traits[kindName])
        if (value !== undefined && identity[kindName] === undefined) identity[kindName] = value
      }
      Object.assign(event, { type: 'profile.traits_updated', data: { traits } })
      break
    }
    case 'page':
      Object.assign(event, { type: 'page.viewed', data: defined({ ...(m.properties ?? {}), name: m.name ?? undefined, category: m.category ?? undefined }) })
      break
    case 'screen':
      Object.assign(event, { type: 'screen.viewed', data: defined({ ...(m.properties ?? {}), name: m.name ?? str(m.properties?.['name']) }) })
      break
    case 'alias':
      // The identity being linked is previousId; SDKs also stamp a fresh anonymousId on every
      // message (RudderStack does), which would otherwise hide it.
      if (m.previousId == null) issues.push({ path: 'previousId', message: 'an alias call needs previousId', code: 'invalid_type' })
      else identity['anonymousId'] = m.previousId
      if (m.userId == null) issues.push({ path: 'userId', message: 'an alias call needs userId', code: 'invalid_type' })
      Object.assign(event, { type: 'identity.linked', data: {} })
      break
    case 'group':
      if (m.groupId == null) issues.push({ path: 'groupId', message: 'a group call needs groupId', code: 'invalid_type' })
      Object.assign(event, { type: 'segment.group', data: defined({ groupId: m.groupId ?? undefined, traits: m.traits ?? undefined }) })
      break
  }
  if (issues.length > 0) throw new ValidationError('Segment message', issues)
  return event
}
