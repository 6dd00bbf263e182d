import type { Inventory, StockLevel } from '@omotenashi/core'
import { itemKey, splitKey, type ItemState } from './snapshot.js'

/** Where an item can be had, for "do not recommend what the store lacks; offer buying online". */
export interface Availability {
  /** Units at the store (undefined: unknown). */
  readonly inStore: number | undefined
  /** Units online / central (undefined: unknown). */
  readonly online: number | undefined
  /** What to offer: pick it up in store, buy it online, or neither. */
  readonly offer: 'in_store' | 'online' | 'unavailable' | 'unknown'
}

/**
 * The Inventory port fed by the ERP feeds: stock (and price) per item and store, bound to
 * `Tokens.Inventory` by `erpInventory()`. Central / online stock is the store-less entry.
 */
export class ErpInventory implements Inventory {
  readonly #levels = new Map<string, StockLevel>()

  /** Number of item × store entries known. */
  get size(): number {
    return this.#levels.size
  }

  /** Records an item's state at a store (merging with what is known). */
  apply(sku: string, storeId: string | undefined, state: ItemState, updatedAt?: string): void {
    const key = itemKey(sku, storeId)
    const known = this.#levels.get(key)
    const quantity = state.quantity ?? known?.quantity ?? 0
    const price = state.price ?? known?.price
    const currency = state.currency ?? known?.currency
    this.#levels.set(key, {
      sku,
      quantity,
      ...(storeId === undefined ? {} : { storeId }),
      ...(price === undefined ? {} : { price }),
      ...(currency === undefined ? {} : { currency }),
      ...(updatedAt === undefined ? {} : { updatedAt }),
    })
  }

  /** Records a state by snapshot key. */
  applyKey(key: string, state: ItemState, updatedAt?: string): void {
    const { sku, storeId } = splitKey(key)
    this.apply(sku, storeId, state, updatedAt)
  }

  async stock(sku: string, storeId?: string): Promise<StockLevel | undefined> {
    const level = this.#levels.get(itemKey(sku, storeId))
    if (level !== undefined || storeId === undefined) return level
    return undefined
  }

  /**
   * Whether to offer the item at `storeId`, or online instead: in store when the store has
   * at least `quantity`, online when only central stock has it.
   */
  async availability(sku: string, storeId: string, quantity = 1): Promise<Availability> {
    const store = this.#levels.get(itemKey(sku, storeId))?.quantity
    const online = this.#levels.get(itemKey(sku, undefined))?.quantity
    const offer =
      store !== undefined && store >= quantity ? 'in_store' : online !== undefined && online >= quantity ? 'online' : store === undefined && online === undefined ? 'unknown' : 'unavailable'
    return { inStore: store, online, offer }
  }

  /** Whether a click & collect order for `quantity` of `sku` can be readied at `storeId` from its shelf. */
  async canCollect(sku: string, storeId: string, quantity = 1): Promise<boolean> {
    return ((await this.stock(sku, storeId))?.quantity ?? 0) >= quantity
  }
}
