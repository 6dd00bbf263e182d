import * as z from 'zod'

/** ISO 4217 currency code, e.g. `JPY`. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "JPY"')

/** An item identifier (SKU). */
export const SkuSchema = z.string().min(1).max(200)

/** One line of a purchase, order, return or cart. */
export const LineItemSchema = z.looseObject({
  sku: SkuSchema,
  name: z.string().max(500).optional(),
  category: z.string().max(200).optional(),
  quantity: z.number().positive(),
  unitPrice: z.number().nonnegative(),
})

/** One line of a purchase, order, return or cart. */
export type LineItem = z.infer<typeof LineItemSchema>

/** Money amounts are in the currency's main unit (yen, dollars), never in minor units. */
export const MoneySchema = z.number().nonnegative()
