/** What a feed knows about one item at one place. */
export interface ItemState {
  /** Units on hand. */
  quantity?: number
  /** Current price. */
  price?: number
  /** Currency of `price`. */
  currency?: string
}

/**
 * A snapshot: item state by {@link itemKey}. Prices without a store are central (store `''`).
 * Kept as a plain Map: a 1M-row snapshot diff is two map walks, no per-row allocation beyond it.
 */
export type Snapshot = Map<string, ItemState>

/** The key of an item at a store (`''` for online / central). */
export function itemKey(sku: string, storeId: string | undefined): string {
  return `${storeId ?? ''}\u0000${sku}`
}

/** The SKU and store of a key. */
export function splitKey(key: string): { sku: string; storeId: string | undefined } {
  const i = key.indexOf('\u0000')
  const store = key.slice(0, i)
  return { sku: key.slice(i + 1), storeId: store === '' ? undefined : store }
}
