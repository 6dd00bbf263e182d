import * as z from 'zod'
import { CurrencySchema, LineItemSchema, MoneySchema, SkuSchema } from './common.js'

const id = z.string().min(1).max(200)

/** Payload of the `message.*` outcome events (sent, delivered, opened, clicked, failed). */
export const OutcomeDataSchema = z.looseObject({
  channel: z.string().min(1).max(50),
  actionId: id.optional(),
  decisionId: id.optional(),
  messageId: id.optional(),
  reason: z.string().max(2000).optional(),
  permanent: z.boolean().optional(),
  /** The recipient cannot be reached on this channel (not a problem of the message). */
  unreachable: z.boolean().optional(),
  url: z.string().max(4000).optional(),
})

/** Payload of the `message.*` outcome events. */
export type OutcomeData = z.infer<typeof OutcomeDataSchema>

const outcome = { needsCustomer: true, data: OutcomeDataSchema } as const

/**
 * The standard OMO event catalogue: event type → payload schema and requirements.
 * Payloads are loose objects: extra fields are kept, listed fields are checked.
 */
export const STANDARD_EVENTS = {
  // in store
  'store.checked_in': {
    needsCustomer: true,
    needsStore: true,
    data: z.looseObject({ method: z.enum(['geofence', 'beacon', 'loyalty_card', 'line', 'app', 'qr', 'staff']).optional() }),
  },
  'geofence.entered': { needsCustomer: true, data: z.looseObject({ geofenceId: id, kind: z.string().max(100).optional() }) },
  'geofence.exited': { needsCustomer: true, data: z.looseObject({ geofenceId: id, kind: z.string().max(100).optional() }) },
  'beacon.sighted': {
    needsCustomer: true,
    data: z.looseObject({ beaconId: id, proximity: z.enum(['immediate', 'near', 'far']).optional(), rssi: z.number().optional() }),
  },
  'fitting_room.tried_on': {
    needsCustomer: true,
    needsStore: true,
    data: z.looseObject({ sku: SkuSchema, name: z.string().max(500).optional(), size: z.string().max(50).optional() }),
  },
  'pos.purchased': {
    needsCustomer: true,
    needsStore: true,
    data: z.looseObject({
      transactionId: id,
      items: z.array(LineItemSchema).min(1),
      total: MoneySchema,
      currency: CurrencySchema,
      paymentMethod: z.string().max(100).optional(),
    }),
  },
  'pos.returned': {
    needsCustomer: true,
    needsStore: true,
    data: z.looseObject({
      transactionId: id,
      originalTransactionId: id.optional(),
      items: z.array(LineItemSchema).min(1),
      total: MoneySchema,
      currency: CurrencySchema,
    }),
  },
  // online
  'page.viewed': {
    needsCustomer: true,
    data: z.looseObject({ url: z.string().max(4000).optional(), path: z.string().max(2000).optional(), title: z.string().max(1000).optional() }),
  },
  'screen.viewed': { needsCustomer: true, data: z.looseObject({ name: z.string().min(1).max(200) }) },
  'product.viewed': {
    needsCustomer: true,
    data: z.looseObject({ sku: SkuSchema, name: z.string().max(500).optional(), category: z.string().max(200).optional(), price: MoneySchema.optional(), currency: CurrencySchema.optional() }),
  },
  'cart.item_added': {
    needsCustomer: true,
    data: z.looseObject({ sku: SkuSchema, quantity: z.number().positive().default(1), price: MoneySchema.optional(), currency: CurrencySchema.optional(), cartId: id.optional() }),
  },
  'cart.abandoned': {
    needsCustomer: true,
    data: z.looseObject({ cartId: id.optional(), items: z.array(LineItemSchema).min(1), total: MoneySchema.optional(), currency: CurrencySchema.optional() }),
  },
  'order.placed': {
    needsCustomer: true,
    data: z.looseObject({
      orderId: id,
      items: z.array(LineItemSchema).min(1),
      total: MoneySchema,
      currency: CurrencySchema,
      fulfillment: z.enum(['delivery', 'pickup', 'in_store']).optional(),
      pickupStoreId: id.optional(),
    }),
  },
  'order.ready_for_pickup': { needsCustomer: true, data: z.looseObject({ orderId: id, pickupStoreId: id.optional() }) },
  'order.picked_up': { needsCustomer: true, data: z.looseObject({ orderId: id }) },
  'coupon.issued': {
    needsCustomer: true,
    data: z.looseObject({ couponId: id, code: z.string().max(200).optional(), offerId: id.optional(), expiresAt: z.iso.datetime({ offset: true }).optional() }),
  },
  'coupon.redeemed': { needsCustomer: true, data: z.looseObject({ couponId: id, code: z.string().max(200).optional(), transactionId: id.optional() }) },
  'reservation.created': {
    needsCustomer: true,
    data: z.looseObject({ reservationId: id, kind: z.string().min(1).max(100), startsAt: z.iso.datetime({ offset: true }).optional() }),
  },
  // catalogue and stock (about items, not people)
  'catalog.price_changed': {
    data: z.looseObject({ sku: SkuSchema, oldPrice: MoneySchema, newPrice: MoneySchema, currency: CurrencySchema }),
  },
  'inventory.stock_changed': {
    data: z.looseObject({ sku: SkuSchema, quantity: z.number(), previousQuantity: z.number().optional() }),
  },
  'inventory.low_stock': {
    data: z.looseObject({ sku: SkuSchema, quantity: z.number(), threshold: z.number() }),
  },
  'inventory.back_in_stock': {
    data: z.looseObject({ sku: SkuSchema, quantity: z.number() }),
  },
  // LINE
  'line.followed': { needsCustomer: true, data: z.looseObject({ unblocked: z.boolean().optional() }) },
  'line.unfollowed': { needsCustomer: true, data: z.looseObject({}) },
  'line.message_received': {
    needsCustomer: true,
    data: z.looseObject({ messageId: id, messageType: z.string().min(1).max(50), text: z.string().max(5000).optional(), replyToken: z.string().optional() }),
  },
  'line.postback_received': {
    needsCustomer: true,
    data: z.looseObject({ postback: z.string().max(300), replyToken: z.string().optional() }),
  },
  // zero-party data
  'survey.answered': {
    needsCustomer: true,
    data: z.looseObject({
      surveyId: id,
      questionId: id,
      question: z.string().max(2000).optional(),
      answer: z.union([z.string().max(5000), z.number(), z.boolean(), z.array(z.string().max(500))]),
    }),
  },
  // consent and reachability
  'consent.changed': {
    needsCustomer: true,
    data: z.looseObject({ channel: z.string().min(1).max(50), purpose: z.string().max(100).optional(), granted: z.boolean(), reason: z.string().max(500).optional() }),
  },
  'channel.reachability_changed': {
    needsCustomer: true,
    data: z.looseObject({ channel: z.string().min(1).max(50), reachable: z.boolean(), reason: z.string().max(500).optional() }),
  },
  'push.token_registered': {
    needsCustomer: true,
    data: z.looseObject({ token: z.string().min(1).max(4000), platform: z.enum(['web', 'ios', 'android']) }),
  },
  'push.token_revoked': {
    needsCustomer: true,
    data: z.looseObject({ token: z.string().min(1).max(4000), reason: z.string().max(500).optional() }),
  },
  // outcomes of what the hub sent
  'message.sent': outcome,
  'message.delivered': outcome,
  'message.opened': outcome,
  'message.clicked': outcome,
  'message.failed': outcome,
  'offer.responded': {
    needsCustomer: true,
    data: z.looseObject({ actionId: id, decisionId: id.optional(), response: z.enum(['accepted', 'declined', 'later']), channel: z.string().max(50).optional() }),
  },
  // people in the loop
  'staff.acknowledged': {
    needsCustomer: true,
    data: z.looseObject({ cardId: id.optional(), staffId: id, outcome: z.enum(['served', 'dismissed', 'noted']), note: z.string().max(2000).optional() }),
  },
  'call.started': { needsCustomer: true, data: z.looseObject({ callId: id, agentId: id.optional(), queue: z.string().max(200).optional() }) },
  // profile and system
  'profile.traits_updated': { needsCustomer: true, data: z.looseObject({ traits: z.record(z.string(), z.unknown()) }) },
  'identity.linked': { needsCustomer: true, data: z.looseObject({}) },
  'profile.merged': { needsCustomer: true, data: z.looseObject({ survivorId: id, mergedIds: z.array(id).min(1), reason: z.string().max(500).optional() }) },
  'timer.fired': { data: z.looseObject({ timerId: id, purpose: z.string().min(1).max(200), payload: z.record(z.string(), z.unknown()).optional() }) },
} as const satisfies Record<string, EventDefinition>


/** How an event type is defined in a catalogue. */
export interface EventDefinition<TData = unknown> {
  /** Schema of `data`. */
  readonly data: z.ZodType<TData>
  /** The event must identify a customer (at least one identifier). */
  readonly needsCustomer?: boolean
  /** The event must carry a `storeId`. */
  readonly needsStore?: boolean
  /** One line on what it means (shown in docs and the OpenAPI document). */
  readonly description?: string
}

/** The standard event types. */
export type StandardEventType = keyof typeof STANDARD_EVENTS

/** Payload type of a standard event type. */
export type StandardEventData<T extends StandardEventType> = z.output<(typeof STANDARD_EVENTS)[T]['data']>
