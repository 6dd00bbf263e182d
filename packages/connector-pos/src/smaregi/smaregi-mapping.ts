import type { EventInput, LineItem } from '@omotenashi/core'
import { parseDecimal } from '../money.js'
import type { SmaregiTransaction } from './smaregi-api.js'

/** What the Smaregi mapper needs. */
export interface SmaregiMappingContext {
  readonly source: string
  readonly identityKind: string
  readonly currency: string
  readonly storeOf: (storeId: string | null | undefined) => string | undefined
}

/** Smaregi's date-times carry an offset; a bare one is Japan time. */
function isoTime(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const withOffset = /([+-]\d{2}:?\d{2}|Z)$/.test(value) ? value : `${value.replace(' ', 'T')}+09:00`
  const ms = Date.parse(withOffset)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

/**
 * A Smaregi transaction as canonical events: its sold lines as `pos.purchased`, its returned
 * lines (明細区分 2) as `pos.returned`. Cancelled transactions and anonymous sales give none.
 */
export function smaregiEvents(tx: SmaregiTransaction, context: SmaregiMappingContext): EventInput[] {
  if (tx.cancelDivision === '1') return []
  const identity: Record<string, string> = {}
  if (tx.customerId) identity[context.identityKind] = tx.customerId
  if (tx.customerCode) identity['loyaltyId'] = tx.customerCode
  if (Object.keys(identity).length === 0) return []
  const sold: LineItem[] = []
  const returned: LineItem[] = []
  for (const d of tx.details ?? []) {
    const quantity = parseDecimal(d.quantity) ?? 0
    const item = {
      sku: d.productCode || d.productId || 'unknown',
      ...(d.productName ? { name: d.productName } : {}),
      quantity: Math.abs(quantity),
      unitPrice: Math.abs(parseDecimal(d.salesPrice) ?? 0),
    }
    if (item.quantity === 0) continue
    if (d.transactionDetailDivision === '2' || quantity < 0) returned.push(item)
    else sold.push(item)
  }
  // The sale time is the terminal's (販売日時); the server time is when it was sent.
  const time = isoTime(tx.terminalTranDateTime) ?? isoTime(tx.transactionDateTime)
  const storeId = context.storeOf(tx.storeId)
  const base = {
    source: context.source,
    identity,
    ...(storeId === undefined ? {} : { storeId }),
    ...(time === undefined ? {} : { time }),
  }
  const sum = (items: LineItem[]): number => items.reduce((s, i) => s + i.quantity * i.unitPrice, 0)
  const events: EventInput[] = []
  if (sold.length > 0) {
    const total = parseDecimal(tx.total)
    events.push({
      ...base,
      id: `smaregi:purchase:${tx.transactionHeadId}`,
      type: 'pos.purchased',
      data: { transactionId: tx.transactionHeadId, items: sold, total: total !== undefined && total >= 0 && returned.length === 0 ? total : sum(sold), currency: context.currency },
    })
  }
  if (returned.length > 0) {
    events.push({
      ...base,
      id: `smaregi:return:${tx.transactionHeadId}`,
      type: 'pos.returned',
      data: { transactionId: tx.transactionHeadId, items: returned, total: sum(returned), currency: context.currency },
    })
  }
  return events
}
