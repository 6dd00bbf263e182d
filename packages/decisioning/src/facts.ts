import type { GeoPoint, StockLevel } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'
import type { LocalTime } from './local-time.js'

/** The event as rules see it (a timer carries the original event's facts back). */
export interface EventFacts {
  readonly id: string
  readonly type: string
  readonly source: string
  readonly time: string
  readonly data: Readonly<Record<string, unknown>>
  readonly storeId?: string
  readonly subject?: string
  readonly location?: GeoPoint
}

/** Context facts read under `context.*`: local time, the store, the placement, providers. */
export type ContextFacts = LocalTime & {
  /** The store of the moment (event's store, or the pull request's `store`). */
  readonly store?: string
  /** The placement asked about (pull decisions). */
  readonly placement?: string
  /** Epoch ms of "now". */
  readonly now: number
  readonly [key: string]: unknown
}

/** Everything a compiled condition reads. Built once per decision. */
export interface Facts {
  readonly event: EventFacts
  readonly profile: Profile | undefined
  readonly context: ContextFacts
  /** Stock looked up for this decision, by `store\u0000sku` (filled before rules that read stock run). */
  stock: ReadonlyMap<string, StockLevel | undefined>
  /** Memo of segment membership for this decision (created on first use). */
  segmentMemo?: Map<string, boolean>
  /** Template variables of the rule being rendered. */
  readonly vars?: Readonly<Record<string, unknown>>
}

/** The key of a stock lookup in {@link Facts.stock}. */
export function stockKey(sku: string, storeId: string | undefined): string {
  return `${storeId ?? ''}\u0000${sku}`
}

/** The stock of facts that need none: shared, never written. */
export const NO_STOCK: ReadonlyMap<string, StockLevel | undefined> = new Map()
