import * as z from 'zod'

// Only the fields the connector reads, all loose: Square adds fields over time and the
// connector must keep working. Field names follow Square's Connect API (see its OpenAPI spec).

const nullableString = z.string().nullish()

/** Square money: an amount in minor units and a currency. */
export const SquareMoneySchema = z.looseObject({ amount: z.union([z.number(), z.bigint()]).nullish(), currency: nullableString })

/** One line of a Square order (or a return line of a return). */
export const SquareLineItemSchema = z.looseObject({
  uid: nullableString,
  name: nullableString,
  quantity: z.string(),
  catalog_object_id: nullableString,
  variation_name: nullableString,
  base_price_money: SquareMoneySchema.nullish(),
  total_money: SquareMoneySchema.nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
})

/** A Square order, as `GET /v2/orders/{id}` returns it. */
export const SquareOrderSchema = z.looseObject({
  id: z.string(),
  location_id: z.string(),
  customer_id: nullableString,
  state: nullableString,
  created_at: nullableString,
  closed_at: nullableString,
  line_items: z.array(SquareLineItemSchema).nullish(),
  total_money: SquareMoneySchema.nullish(),
  returns: z.array(z.looseObject({ source_order_id: nullableString, return_line_items: z.array(SquareLineItemSchema).nullish() })).nullish(),
  tenders: z.array(z.looseObject({ customer_id: nullableString, type: nullableString })).nullish(),
})

/** A Square order. */
export type SquareOrder = z.infer<typeof SquareOrderSchema>

/** The envelope of every Square webhook notification. */
export const SquareNotificationSchema = z.looseObject({
  merchant_id: nullableString,
  type: z.string(),
  event_id: z.string().min(1),
  created_at: nullableString,
  data: z.looseObject({ type: nullableString, id: nullableString, object: z.record(z.string(), z.unknown()).nullish() }).nullish(),
})

/** The envelope of every Square webhook notification. */
export type SquareNotification = z.infer<typeof SquareNotificationSchema>

/** The payment inside `payment.created` / `payment.updated`. */
export const SquarePaymentSchema = z.looseObject({
  id: z.string(),
  status: nullableString,
  order_id: nullableString,
  customer_id: nullableString,
  location_id: nullableString,
  buyer_email_address: nullableString,
  source_type: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
  total_money: SquareMoneySchema.nullish(),
})

/** The refund inside `refund.created` / `refund.updated`. */
export const SquareRefundSchema = z.looseObject({
  id: z.string(),
  status: nullableString,
  order_id: nullableString,
  payment_id: nullableString,
  location_id: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
  amount_money: SquareMoneySchema,
})

/** The customer inside `customer.created` / `customer.updated`. */
export const SquareCustomerSchema = z.looseObject({
  id: z.string(),
  given_name: nullableString,
  family_name: nullableString,
  nickname: nullableString,
  email_address: nullableString,
  phone_number: nullableString,
  reference_id: nullableString,
  birthday: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
  version: z.number().nullish(),
})

/** One count inside `inventory.count.updated`. */
export const SquareInventoryCountSchema = z.looseObject({
  catalog_object_id: nullableString,
  state: nullableString,
  location_id: nullableString,
  quantity: nullableString,
  calculated_at: nullableString,
})
