import type { EventInput } from '@omotenashi/core'
import { splitKey, type ItemState, type Snapshot } from './snapshot.js'

/** Options of {@link diffSnapshots}. */
export interface DiffOptions {
  /** Event source. */
  readonly source: string
  /** Event time (the ERP's time for the snapshot). */
  readonly time?: string
  /** At or below this, stock is low. */
  readonly lowStockThreshold: number
  /** Default currency for prices without one. */
  readonly currency: string
  /** Prefix of event ids, so a re-run of one snapshot publishes the same ids. */
  readonly idPrefix: string
}

/** What changed between two snapshots. */
export interface DiffResult {
  /** Canonical events, in key order of the new snapshot. */
  readonly events: EventInput[]
  /** Keys whose state changed (or appeared). */
  readonly changed: string[]
}

/**
 * Compares item states and returns events only for what changed:
 * - `catalog.price_changed` when a price differs,
 * - `inventory.stock_changed` when a quantity differs (or a new item appears),
 * - `inventory.low_stock` when stock falls from above the threshold to at or below it,
 * - `inventory.back_in_stock` when stock rises from zero or less to above zero.
 * Items missing from `next` are left alone: a partial snapshot is not a deletion.
 */
export function diffItem(key: string, before: ItemState | undefined, after: ItemState, options: DiffOptions, out: EventInput[]): boolean {
  let changed = false
  const { sku, storeId } = splitKey(key)
  const base = {
    source: options.source,
    subject: sku,
    ...(storeId === undefined ? {} : { storeId }),
    ...(options.time === undefined ? {} : { time: options.time }),
  }
  const idBase = `${options.idPrefix}:${storeId ?? ''}:${sku}`
  if (after.price !== undefined && before?.price !== undefined && after.price !== before.price) {
    changed = true
    out.push({
      ...base,
      id: `${idBase}:price:${before.price}>${after.price}`,
      type: 'catalog.price_changed',
      data: { sku, oldPrice: before.price, newPrice: after.price, currency: after.currency ?? before.currency ?? options.currency },
    })
  } else if (after.price !== undefined && before?.price === undefined) changed = true
  if (after.quantity !== undefined && after.quantity !== before?.quantity) {
    changed = true
    const previous = before?.quantity
    out.push({
      ...base,
      id: `${idBase}:stock:${previous ?? 'new'}>${after.quantity}`,
      type: 'inventory.stock_changed',
      data: { sku, quantity: after.quantity, ...(previous === undefined ? {} : { previousQuantity: previous }) },
    })
    const threshold = options.lowStockThreshold
    if (previous !== undefined && previous > threshold && after.quantity <= threshold) {
      out.push({ ...base, id: `${idBase}:low:${previous}>${after.quantity}`, type: 'inventory.low_stock', data: { sku, quantity: after.quantity, threshold } })
    }
    if (previous !== undefined && previous <= 0 && after.quantity > 0) {
      out.push({ ...base, id: `${idBase}:back:${previous}>${after.quantity}`, type: 'inventory.back_in_stock', data: { sku, quantity: after.quantity } })
    }
  }
  return changed
}

/**
 * Diffs a new snapshot against the previous one. With no previous snapshot (the first run) the
 * new one is the baseline: nothing is published, since nothing is known to have changed.
 *
 * `next` becomes the new state in place: fields it lacks (a stock-only file) and items it
 * does not list keep their previous values, so the next diff compares against what is known.
 */
export function diffSnapshots(previous: Snapshot | undefined, next: Snapshot, options: DiffOptions): DiffResult {
  const events: EventInput[] = []
  const changed: string[] = []
  if (previous === undefined) return { events, changed: [...next.keys()] }
  for (const [key, after] of next) {
    const before = previous.get(key)
    if (before !== undefined) {
      if (after.price === undefined && before.price !== undefined) after.price = before.price
      if (after.currency === undefined && before.currency !== undefined) after.currency = before.currency
      if (after.quantity === undefined && before.quantity !== undefined) after.quantity = before.quantity
      if (before.price === after.price && before.quantity === after.quantity) continue
    }
    if (diffItem(key, before, after, options, events)) changed.push(key)
  }
  if (previous.size > 0) for (const [key, before] of previous) if (!next.has(key)) next.set(key, before)
  return { events, changed }
}
