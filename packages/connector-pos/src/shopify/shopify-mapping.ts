import type { EventInput, LineItem } from '@omotenashi/core'
import * as z from 'zod'
import { parseDecimal } from '../money.js'

const id = z.union([z.number(), z.string()]).transform(String)
const nullableString = z.string().nullish()

/** The fields of a Shopify order webhook body (REST Admin `Order`) the connector reads. */
export const ShopifyOrderSchema = z.looseObject({
  id,
  name: nullableString,
  created_at: nullableString,
  processed_at: nullableString,
  source_name: nullableString,
  location_id: id.nullish(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  total_price: z.union([z.string(), z.number()]),
  email: nullableString,
  phone: nullableString,
  customer: z.looseObject({ id, email: nullableString, phone: nullableString }).nullish(),
  line_items: z.array(
    z.looseObject({
      id: id.nullish(),
      sku: nullableString,
      title: nullableString,
      variant_title: nullableString,
      variant_id: id.nullish(),
      quantity: z.number(),
      price: z.union([z.string(), z.number()]),
    }),
  ),
})

/** A Shopify order webhook body. */
export type ShopifyOrder = z.infer<typeof ShopifyOrderSchema>

/** Whether the order was rung up on Shopify POS (rather than placed online). */
export function isPosOrder(order: ShopifyOrder): boolean {
  return order.source_name === 'pos'
}

/** What the Shopify mapper needs. */
export interface ShopifyMappingContext {
  readonly source: string
  readonly identityKind: string
  readonly storeOf: (location: string | null | undefined) => string | undefined
}

/**
 * A Shopify order as `pos.purchased` (from a POS location) or `order.placed` (online).
 * Undefined for an anonymous sale (no customer, email or phone).
 */
export function shopifyOrderEvent(order: ShopifyOrder, context: ShopifyMappingContext): EventInput | undefined {
  const identity: Record<string, string> = {}
  if (order.customer?.id) identity[context.identityKind] = order.customer.id
  const email = order.customer?.email ?? order.email
  const phone = order.customer?.phone ?? order.phone
  if (email) identity['email'] = email
  if (phone) identity['phone'] = phone
  if (Object.keys(identity).length === 0) return undefined
  const items: LineItem[] = order.line_items
    .filter((line) => line.quantity > 0)
    .map((line) => {
      const name = [line.title, line.variant_title].filter((part) => part).join(' ')
      return {
        sku: line.sku || line.variant_id || line.id || 'unknown',
        ...(name ? { name } : {}),
        quantity: line.quantity,
        unitPrice: parseDecimal(line.price) ?? 0,
      }
    })
  if (items.length === 0) return undefined
  const pos = isPosOrder(order)
  const storeId = pos ? context.storeOf(order.location_id) : undefined
  const time = order.processed_at ?? order.created_at
  const total = parseDecimal(order.total_price) ?? 0
  return {
    id: `shopify:order:${order.id}`,
    type: pos ? 'pos.purchased' : 'order.placed',
    source: pos ? context.source : 'web',
    identity,
    ...(storeId === undefined ? {} : { storeId }),
    ...(time ? { time } : {}),
    data: pos
      ? { transactionId: order.id, items, total, currency: order.currency, ...(order.name ? { receipt: order.name } : {}) }
      : { orderId: order.id, items, total, currency: order.currency, fulfillment: 'delivery' },
  }
}
