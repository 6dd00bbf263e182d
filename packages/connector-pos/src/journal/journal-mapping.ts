import { IDENTIFIER_KIND_PATTERN } from '@omotenashi/core'
import * as z from 'zod'

const column = z.string().min(1, 'must name a column')

/**
 * How a journal's columns (CSV header names, or JSON keys / dotted paths) map to a sale.
 * One row is one line item; consecutive rows with the same transaction id form one receipt.
 */
export const JournalColumnsSchema = z.object({
  /** Receipt / transaction number. Rows that share it (consecutively) are one event. */
  transactionId: column,
  /** Item code (SKU / JAN). */
  sku: column,
  /** Unit price. */
  unitPrice: column,
  /** Quantity. Default 1 when the column is not mapped. */
  quantity: column.optional(),
  /** Item name. */
  name: column.optional(),
  /** Category. */
  category: column.optional(),
  /** When the sale happened. Without an offset, `utcOffset` applies. */
  time: column.optional(),
  /** Store code (mapped through `stores`). */
  storeId: column.optional(),
  /** Receipt total; default: the sum of the lines. */
  total: column.optional(),
  /** Currency code per row; default: the `currency` option. */
  currency: column.optional(),
  /** A column telling a sale from a return (see `returnValues`). Negative quantities are returns too. */
  kind: column.optional(),
  /** Identifier kind → column, e.g. `{ posCustomerId: '会員番号', email: 'メール' }`. */
  customer: z.record(z.string().regex(IDENTIFIER_KIND_PATTERN, 'must be an identifier kind'), column).default({}),
})

/** Column mapping. See {@link JournalColumnsSchema}. */
export type JournalColumns = z.input<typeof JournalColumnsSchema>

/** A whole journal mapping: columns plus how to read values. */
export const JournalMappingSchema = z.object({
  columns: JournalColumnsSchema,
  /** Default currency. Default `JPY`. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "JPY"').default('JPY'),
  /** Offset for times written without one. Default `+09:00` (Japan). */
  utcOffset: z.string().regex(/^(Z|[+-]\d{2}:\d{2})$/, 'must be "Z" or like "+09:00"').default('+09:00'),
  /** Values of the `kind` column that mean a return. Default `return`, `返品`, `R`. */
  returnValues: z.array(z.string()).default(['return', '返品', 'R']),
  /** Store code in the file → hub store id. Unlisted codes are kept. */
  stores: z.record(z.string(), z.string().min(1)).optional(),
  /** The store for rows without a store column. */
  defaultStoreId: z.string().min(1).optional(),
})

/** A journal mapping. See {@link JournalMappingSchema}. */
export type JournalMapping = z.input<typeof JournalMappingSchema>
