import type { EventInput, Identity, LineItem } from '@omotenashi/core'
import type * as z from 'zod'
import { fromMinorUnits, parseDecimal } from '../money.js'
import type { SquareCustomerSchema, SquareLineItemSchema, SquareOrder, SquarePaymentSchema } from './square-schemas.js'

/** What the Square mappers need to know. */
export interface SquareMappingContext {
  readonly source: string
  readonly identityKind: string
  readonly storeOf: (locationId: string | null | undefined) => string | undefined
}

type SquareLine = z.infer<typeof SquareLineItemSchema>

function lineItems(lines: readonly SquareLine[] | null | undefined, fallbackCurrency: string): { items: LineItem[]; currency: string } {
  const items: LineItem[] = []
  let currency = fallbackCurrency
  for (const line of lines ?? []) {
    const quantity = parseDecimal(line.quantity)
    if (quantity === undefined || quantity <= 0) continue
    const lineCurrency = line.base_price_money?.currency ?? line.total_money?.currency ?? currency
    currency = lineCurrency
    const unitMinor = line.base_price_money?.amount ?? (line.total_money?.amount === undefined || line.total_money?.amount === null ? 0 : Number(line.total_money.amount) / quantity)
    const name = [line.name, line.variation_name].filter((part) => part).join(' ')
    items.push({
      sku: line.catalog_object_id ?? line.uid ?? line.name ?? 'unknown',
      ...(name ? { name } : {}),
      quantity,
      unitPrice: fromMinorUnits(unitMinor ?? 0, lineCurrency),
    })
  }
  return { items, currency }
}

/** The identity of an order's buyer; undefined for an anonymous sale. */
export function squareIdentity(kind: string, customerId: string | null | undefined, email?: string | null): Identity | undefined {
  const identity: Record<string, string> = {}
  if (customerId) identity[kind] = customerId
  if (email) identity['email'] = email
  return Object.keys(identity).length === 0 ? undefined : identity
}

/**
 * A completed Square order as `pos.purchased`. The event id derives from the order id, so the
 * purchase is the same event whichever notification (payment created, payment updated, order
 * updated) brought it in.
 */
export function squarePurchase(
  order: SquareOrder,
  payment: z.infer<typeof SquarePaymentSchema> | undefined,
  fallbackTime: string | null | undefined,
  context: SquareMappingContext,
): EventInput | undefined {
  const currency = order.total_money?.currency ?? payment?.total_money?.currency ?? 'USD'
  const { items } = lineItems(order.line_items, currency)
  const customerId = order.customer_id ?? payment?.customer_id ?? order.tenders?.find((t) => t.customer_id)?.customer_id
  const identity = squareIdentity(context.identityKind, customerId, payment?.buyer_email_address)
  if (items.length === 0 || identity === undefined) return undefined
  const totalMinor = order.total_money?.amount ?? payment?.total_money?.amount ?? 0
  const storeId = context.storeOf(order.location_id)
  const time = order.closed_at ?? payment?.updated_at ?? order.created_at ?? fallbackTime
  return {
    id: `square:purchase:${order.id}`,
    type: 'pos.purchased',
    source: context.source,
    identity,
    ...(storeId === undefined ? {} : { storeId }),
    ...(time ? { time } : {}),
    data: {
      transactionId: order.id,
      items,
      total: fromMinorUnits(totalMinor ?? 0, currency),
      currency,
      ...(payment?.source_type ? { paymentMethod: payment.source_type.toLowerCase() } : {}),
    },
  }
}

/** A Square refund of an itemised return as `pos.returned`; undefined when nothing itemised came back. */
export function squareReturn(order: SquareOrder, refundId: string, refundTime: string | null | undefined, context: SquareMappingContext): EventInput | undefined {
  const currency = order.total_money?.currency ?? 'USD'
  const lines = (order.returns ?? []).flatMap((r) => r.return_line_items ?? [])
  const { items } = lineItems(lines, currency)
  const customerId = order.customer_id ?? order.tenders?.find((t) => t.customer_id)?.customer_id
  const identity = squareIdentity(context.identityKind, customerId)
  if (items.length === 0 || identity === undefined) return undefined
  const storeId = context.storeOf(order.location_id)
  const original = order.returns?.find((r) => r.source_order_id)?.source_order_id
  return {
    id: `square:return:${refundId}`,
    type: 'pos.returned',
    source: context.source,
    identity,
    ...(storeId === undefined ? {} : { storeId }),
    ...(refundTime ? { time: refundTime } : {}),
    data: {
      transactionId: refundId,
      ...(original ? { originalTransactionId: original } : {}),
      items,
      total: items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0),
      currency,
    },
  }
}

/** A Square customer as `profile.traits_updated`, linking the POS id to email and phone. */
export function squareCustomerTraits(customer: z.infer<typeof SquareCustomerSchema>, eventId: string, time: string | null | undefined, context: SquareMappingContext): EventInput {
  const identity: Record<string, string> = { [context.identityKind]: customer.id }
  if (customer.email_address) identity['email'] = customer.email_address
  if (customer.phone_number) identity['phone'] = customer.phone_number
  if (customer.reference_id) identity['loyaltyId'] = customer.reference_id
  const traits: Record<string, unknown> = {}
  if (customer.given_name) traits['givenName'] = customer.given_name
  if (customer.family_name) traits['familyName'] = customer.family_name
  if (customer.nickname) traits['nickname'] = customer.nickname
  if (customer.birthday) traits['birthday'] = customer.birthday
  const at = customer.updated_at ?? time
  return {
    id: `square:customer:${eventId}`,
    type: 'profile.traits_updated',
    source: context.source,
    identity,
    ...(at ? { time: at } : {}),
    data: { traits },
  }
}
