/** Stock of one item at one place. */
export interface StockLevel {
  /** The item. */
  readonly sku: string
  /** The store, or undefined for online / central stock. */
  readonly storeId?: string
  /** Units on hand. */
  readonly quantity: number
  /** Current price, if known. */
  readonly price?: number
  /** Currency of `price`. */
  readonly currency?: string
  /** When this was last known (ISO). */
  readonly updatedAt?: string
}

/**
 * The Inventory port, read by decisioning ("do not recommend what the store lacks; offer
 * buying online instead"). Implemented in memory here and by `@omotenashi/connector-erp`.
 */
export interface Inventory {
  /** Stock of `sku` at `storeId` (undefined: online / central). Undefined when unknown. */
  stock(sku: string, storeId?: string): Promise<StockLevel | undefined>
}

/** An Inventory kept in memory, updated with {@link MemoryInventory.set}. */
export class MemoryInventory implements Inventory {
  readonly #levels = new Map<string, StockLevel>()

  /** Sets (or replaces) a stock level. */
  set(level: StockLevel): void {
    this.#levels.set(`${level.storeId ?? ''}\u0000${level.sku}`, level)
  }

  async stock(sku: string, storeId?: string): Promise<StockLevel | undefined> {
    return this.#levels.get(`${storeId ?? ''}\u0000${sku}`)
  }
}
