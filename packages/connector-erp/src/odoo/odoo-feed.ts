import { durationOption, functionOption, objectWithMethods, parseOptions, type EventInput } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import { diffItem } from '../diff.js'
import { FeedConnector, type FeedDependencies, type FeedMapHook, type FeedRunReport } from '../feed-connector.js'
import type { FetchLike } from '@omotenashi/core'
import { feedModule } from '../feed-module.js'
import { sourceOption } from '../options.js'
import { itemKey, type ItemState, type Snapshot } from '../snapshot.js'
import { ErpTokens } from '../tokens.js'
import { fromOdooDateTime, odooDateTime, OdooJson2Client, type OdooClient, type OdooDomain } from './odoo-client.js'

/** Options of {@link odooFeed}. */
export const OdooFeedOptionsSchema = z
  .object({
    id: z.string().min(1).max(100).default('odoo'),
    /** The Odoo server. */
    url: z.url().optional(),
    /** A user API key (Preferences → Account Security → New API Key). */
    apiKey: z.string().min(1).optional(),
    /** `X-Odoo-Database`. */
    database: z.string().min(1).optional(),
    /** A ready-made client instead of url + apiKey. */
    client: objectWithMethods<OdooClient>('call').optional(),
    fetch: functionOption<FetchLike>().optional(),
    /** Polling interval. Default `5m`. */
    every: durationOption({ positive: true }).default(300_000),
    /** Odoo stock location id → hub store id. Only these locations are read. */
    locations: z.record(z.string().regex(/^\d+$/, 'must be an Odoo location id'), z.string().min(1)),
    /** The product.product field holding the sales price. Default `lst_price`. */
    priceField: z.string().min(1).default('lst_price'),
    /** Currency of the prices. Default `JPY`. */
    currency: z.string().regex(/^[A-Z]{3}$/).default('JPY'),
    /** Records per request. Default 500. */
    pageSize: z.number().int().min(1).max(10_000).default(500),
    /** How far back each poll re-reads, for clock skew and slow transactions. Default `2m`. */
    overlap: durationOption({ positive: true }).default(120_000),
    lowStockThreshold: z.number().min(0).default(3),
    source: sourceOption,
    /** Mapping hook: change each event before it is published, or return null to drop it. */
    map: functionOption<FeedMapHook>().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.client !== undefined) return
    if (o.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required unless client is given' })
    if (o.apiKey === undefined) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'is required unless client is given' })
  })

/** Options of {@link odooFeed}. */
export type OdooFeedOptions = z.input<typeof OdooFeedOptionsSchema>

type Many2one = [number, string] | false
interface Quant {
  id: number
  product_id: Many2one
  location_id: Many2one
  quantity: number
  write_date: string
}
interface Product {
  id: number
  default_code: string | false
  write_date: string
  [field: string]: unknown
}
interface QuantMemory {
  key: string
  quantity: number
}

/**
 * Polls Odoo (JSON-2 API) for product prices (`product.product`) and stock (`stock.quant` at
 * the mapped locations) with a cursor: each poll asks for records written since the last one
 * (minus `overlap`), page by page in id order. Stock is summed per product and store; only
 * changes are published.
 */
export class OdooFeedConnector extends FeedConnector {
  readonly #o: z.output<typeof OdooFeedOptionsSchema>
  readonly #client: OdooClient

  constructor(options: z.output<typeof OdooFeedOptionsSchema>, deps: FeedDependencies) {
    super(options.id, options.every, deps)
    this.#o = options
    this.#client =
      options.client ??
      new OdooJson2Client({
        url: options.url!,
        apiKey: options.apiKey!,
        ...(options.database === undefined ? {} : { database: options.database }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      })
  }

  async *#pages<T extends { id: number }>(model: string, domain: OdooDomain, fields: string[]): AsyncGenerator<T[]> {
    let lastId = 0
    for (;;) {
      // Keyset paging on id: stable while records change between pages (an offset would skip some).
      const page = await this.#client.call<T[]>(model, 'search_read', {
        domain: [...domain, ['id', '>', lastId]],
        fields,
        order: 'id asc',
        limit: this.#o.pageSize,
      })
      if (page.length > 0) yield page
      if (page.length < this.#o.pageSize) return
      lastId = page[page.length - 1]!.id
    }
  }

  protected async poll(publish: (events: readonly EventInput[]) => Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }>): Promise<FeedRunReport> {
    const o = this.#o
    const state = this.deps.state
    const startedAt = this.deps.clock.now()
    const cursor = await state.load<string>(`${this.id}:cursor`)
    const previous = await state.loadSnapshot(`${this.id}:snapshot`)
    const baseline = previous === undefined
    const snapshot: Snapshot = previous ?? new Map()
    const skus = new Map<number, string>((await state.load<Array<[number, string]>>(`${this.id}:skus`)) ?? [])
    const quants = new Map<number, QuantMemory>((await state.load<Array<[number, QuantMemory]>>(`${this.id}:quants`)) ?? [])
    const events: EventInput[] = []
    const changedKeys = new Set<string>()
    let rows = 0
    const since = (field: string): OdooDomain => (cursor === undefined ? [] : [[field, '>=', cursor]])
    const diff = (key: string, after: ItemState, time: string | undefined): void => {
      const before = snapshot.get(key)
      const merged = { ...before, ...after }
      if (before && before.price === merged.price && before.quantity === merged.quantity) return
      if (!baseline && diffItem(key, before, merged, { source: o.source, lowStockThreshold: o.lowStockThreshold, currency: o.currency, idPrefix: `${this.id}:${time ?? startedAt}`, ...(time === undefined ? {} : { time }) }, events)) {
        changedKeys.add(key)
      }
      if (baseline) changedKeys.add(key)
      snapshot.set(key, merged)
    }

    // Prices. A template's price change writes the template, not its variants: ask for both.
    const priceDomain: OdooDomain = cursor === undefined ? [] : ['|', ['write_date', '>=', cursor], ['product_tmpl_id.write_date', '>=', cursor]]
    for await (const page of this.#pages<Product>('product.product', priceDomain, ['id', 'default_code', 'write_date', o.priceField])) {
      for (const product of page) {
        rows++
        if (!product.default_code) continue
        skus.set(product.id, product.default_code)
        const price = product[o.priceField]
        if (typeof price !== 'number') continue
        diff(itemKey(product.default_code, undefined), { price, currency: o.currency }, fromOdooDateTime(product.write_date))
      }
    }

    // Stock: sum the quants of each product at each mapped location's store.
    const locationIds = Object.keys(o.locations).map(Number)
    const totals = new Map<string, { quantity: number; time: string | undefined }>()
    const touch = (key: string, delta: number, time: string | undefined): void => {
      const current = totals.get(key) ?? { quantity: snapshot.get(key)?.quantity ?? 0, time }
      current.quantity += delta
      if (time !== undefined && (current.time === undefined || time > current.time)) current.time = time
      totals.set(key, current)
    }
    for await (const page of this.#pages<Quant>('stock.quant', [['location_id', 'in', locationIds], ...since('write_date')], ['id', 'product_id', 'location_id', 'quantity', 'write_date'])) {
      rows += page.length
      const unknown = [...new Set(page.map((q) => (q.product_id ? q.product_id[0] : 0)).filter((id) => id !== 0 && !skus.has(id)))]
      if (unknown.length > 0) {
        const products = await this.#client.call<Product[]>('product.product', 'read', { ids: unknown, fields: ['default_code'] })
        for (const p of products) if (p.default_code) skus.set(p.id, p.default_code)
      }
      for (const quant of page) {
        const sku = quant.product_id ? skus.get(quant.product_id[0]) : undefined
        const store = quant.location_id ? o.locations[String(quant.location_id[0])] : undefined
        const time = fromOdooDateTime(quant.write_date)
        const before = quants.get(quant.id)
        if (before) touch(before.key, -before.quantity, time)
        if (sku === undefined || store === undefined) {
          quants.delete(quant.id)
          continue
        }
        const key = itemKey(sku, store)
        touch(key, quant.quantity, time)
        quants.set(quant.id, { key, quantity: quant.quantity })
      }
    }
    for (const [key, { quantity, time }] of totals) diff(key, { quantity }, time)

    const result = await publish(events)
    const inventory = this.deps.inventory
    if (inventory) for (const key of changedKeys) inventory.applyKey(key, snapshot.get(key)!)
    await state.saveSnapshot(`${this.id}:snapshot`, snapshot)
    await state.save(`${this.id}:skus`, [...skus])
    await state.save(`${this.id}:quants`, [...quants])
    await state.save(`${this.id}:cursor`, odooDateTime(startedAt - o.overlap))
    return { rows, changed: changedKeys.size, events: result.accepted, rejected: result.rejected, errors: [], baseline }
  }
}

/**
 * Odoo stock and prices as a hub module.
 *
 * @example
 * ```ts
 * odooFeed({ url: 'https://mycompany.odoo.com', apiKey, every: '5m', locations: { '8': 'shibuya', '12': 'umeda' } })
 * ```
 */
export function odooFeed(options: OdooFeedOptions): ContainerModule {
  const parsed = parseOptions(OdooFeedOptionsSchema, options, 'odooFeed')
  return feedModule(ErpTokens.OdooFeed, parsed.map, (deps) => new OdooFeedConnector(parsed, deps))
}
