/** One product of the example shop. */
export interface Product {
  readonly sku: string
  /** Japanese name (customer messages in `ja`). */
  readonly name: string
  /** English name (staff cards, customer messages in `en`). */
  readonly nameEn: string
  readonly category: string
  /** List price in yen. */
  readonly price: number
  /** What goes with it (the pickup suggestion). */
  readonly goesWith: string
}

/** The shop's catalogue: small on purpose, so the simulated day has overlapping interests. */
export const PRODUCTS: readonly Product[] = [
  { sku: 'COAT-001', name: 'ウールチェスターコート', nameEn: 'wool Chester coat', category: 'coats', price: 39_000, goesWith: 'SCARF-010' },
  { sku: 'KNIT-002', name: 'カシミヤニット', nameEn: 'cashmere knit', category: 'knitwear', price: 18_000, goesWith: 'PANTS-004' },
  { sku: 'SHIRT-003', name: 'オックスフォードシャツ', nameEn: 'Oxford shirt', category: 'shirts', price: 8_900, goesWith: 'KNIT-002' },
  { sku: 'PANTS-004', name: 'ワイドパンツ', nameEn: 'wide trousers', category: 'trousers', price: 12_000, goesWith: 'BOOTS-007' },
  { sku: 'DRESS-005', name: 'ニットワンピース', nameEn: 'knit dress', category: 'dresses', price: 16_000, goesWith: 'BAG-009' },
  { sku: 'BOOTS-007', name: 'レザーブーツ', nameEn: 'leather boots', category: 'shoes', price: 28_000, goesWith: 'PANTS-004' },
  { sku: 'BAG-009', name: 'レザートート', nameEn: 'leather tote', category: 'bags', price: 24_000, goesWith: 'SCARF-010' },
  { sku: 'SCARF-010', name: 'ウールマフラー', nameEn: 'wool scarf', category: 'accessories', price: 6_900, goesWith: 'COAT-001' },
]

const BY_SKU = new Map(PRODUCTS.map((p) => [p.sku, p]))

/** A product by SKU, or undefined for SKUs this shop does not sell. */
export function product(sku: string): Product | undefined {
  return BY_SKU.get(sku)
}

/** The example's two stores: hub store id → what the messages and the ERP call them. */
export const STORES = {
  shibuya: { name: '渋谷店', nameEn: 'Shibuya', erpCode: 'S01', lat: 35.6595, lon: 139.7005 },
  umeda: { name: '梅田店', nameEn: 'Umeda', erpCode: 'S02', lat: 34.7025, lon: 135.4959 },
} as const

/** A store id of the example. */
export type StoreId = keyof typeof STORES

/** The store ids. */
export const STORE_IDS = Object.keys(STORES) as StoreId[]
