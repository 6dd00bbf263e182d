import { durationOption, functionOption, parseOptions, type EventInput } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import { diffItem } from '../diff.js'
import { FeedConnector, type FeedDependencies, type FeedMapHook, type FeedRunReport } from '../feed-connector.js'
import type { FetchLike } from '@omotenashi/core'
import { feedModule } from '../feed-module.js'
import { sourceOption } from '../options.js'
import { itemKey, type ItemState, type Snapshot } from '../snapshot.js'
import { ErpTokens } from '../tokens.js'
import { dateTimeOffsetLiteral, fromODataDate, ODataV2Client, odataString } from './odata-v2.js'

/** Options of {@link sapFeed}. */
export const SapFeedOptionsSchema = z.object({
  id: z.string().min(1).max(100).default('sap'),
  /** System root, e.g. `https://my-s4.example.com`. */
  url: z.url('must be the system URL'),
  /** Communication user (Basic auth). */
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  /** Extra headers, e.g. `{ authorization: 'Bearer …' }`. */
  headers: z.record(z.string(), z.string()).optional(),
  sapClient: z.string().regex(/^\d{3}$/, 'must be a three-digit client').optional(),
  fetch: functionOption<FetchLike>().optional(),
  every: durationOption({ positive: true }).default(300_000),
  /** Plant → hub store id. Only these plants are read. */
  plants: z.record(z.string().min(1), z.string().min(1)),
  /** Stock types counted (`01` unrestricted-use). Default `['01']`. */
  stockTypes: z.array(z.string().min(1)).default(['01']),
  /** Price condition type. Default `PPR0` (S/4HANA's sales price; `PR00` on older setups). */
  conditionType: z.string().min(1).max(4).default('PPR0'),
  /** Only condition records of this sales organisation. */
  salesOrganization: z.string().min(1).optional(),
  /** Only condition records of this distribution channel. */
  distributionChannel: z.string().min(1).optional(),
  /** The condition record's change-time property (check your system's $metadata). Default `LastChangeDateTime`. */
  changeTimeField: z.string().min(1).default('LastChangeDateTime'),
  pageSize: z.number().int().min(1).max(5000).default(1000),
  overlap: durationOption({ positive: true }).default(120_000),
  lowStockThreshold: z.number().min(0).default(3),
  currency: z.string().regex(/^[A-Z]{3}$/).default('JPY'),
  source: sourceOption,
  /** Mapping hook: change each event before it is published, or return null to drop it. */
  map: functionOption<FeedMapHook>().optional(),
})

/** Options of {@link sapFeed}. */
export type SapFeedOptions = z.input<typeof SapFeedOptionsSchema>

/** OData V2 service of material stock. */
export const SAP_STOCK_SERVICE = 'API_MATERIAL_STOCK_SRV'
/** OData V2 service of sales price condition records. */
export const SAP_PRICE_SERVICE = 'API_SLSPRICINGCONDITIONRECORD_SRV'

/**
 * Polls SAP S/4HANA over OData V2:
 * - sales price condition records (`A_SlsPrcgConditionRecord` with its validity, of one
 *   condition type) changed since the last poll — a change-time filter — page by page;
 * - material stock (`A_MatlStkInAcctMod`) of the mapped plants, page by page. This entity set
 *   has no change time, so stock is read whole each poll and diffed against the last one.
 */
export class SapFeedConnector extends FeedConnector {
  readonly #o: z.output<typeof SapFeedOptionsSchema>
  readonly #client: ODataV2Client

  constructor(options: z.output<typeof SapFeedOptionsSchema>, deps: FeedDependencies) {
    super(options.id, options.every, deps)
    this.#o = options
    this.#client = new ODataV2Client({
      url: options.url,
      ...(options.username === undefined ? {} : { username: options.username, password: options.password ?? '' }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.sapClient === undefined ? {} : { sapClient: options.sapClient }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    })
  }

  protected async poll(publish: (events: readonly EventInput[]) => Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }>): Promise<FeedRunReport> {
    const o = this.#o
    const state = this.deps.state
    const now = this.deps.clock.now()
    const nowIso = new Date(now).toISOString()
    const cursor = await state.load<number>(`${this.id}:priceCursor`)
    const previous = await state.loadSnapshot(`${this.id}:snapshot`)
    const baseline = previous === undefined
    const snapshot: Snapshot = previous ?? new Map()
    const events: EventInput[] = []
    const changed = new Set<string>()
    let rows = 0
    const errors: Array<{ message: string }> = []
    const diff = (key: string, after: ItemState, time: string): void => {
      const before = snapshot.get(key)
      const merged = { ...before, ...after }
      if (before && before.price === merged.price && before.quantity === merged.quantity) return
      if (baseline) changed.add(key)
      else if (diffItem(key, before, merged, { source: o.source, time, lowStockThreshold: o.lowStockThreshold, currency: o.currency, idPrefix: `${this.id}:${time}` }, events)) changed.add(key)
      snapshot.set(key, merged)
    }

    // Prices: condition records changed since the cursor, with their validity (material, dates).
    const filters = [`ConditionType eq ${odataString(o.conditionType)}`]
    if (cursor !== undefined) filters.push(`${o.changeTimeField} ge ${dateTimeOffsetLiteral(cursor)}`)
    let newest = cursor ?? 0
    const prices = new Map<string, { price: number; currency: string; start: number; time: string }>()
    for await (const page of this.#client.read(SAP_PRICE_SERVICE, 'A_SlsPrcgConditionRecord', {
      filter: filters.join(' and '),
      expand: ['to_SlsPrcgCndnRecdValidity'],
      orderby: `${o.changeTimeField} asc`,
      pageSize: o.pageSize,
    })) {
      for (const record of page) {
        rows++
        const changedAt = fromODataDate(record[o.changeTimeField])
        if (changedAt !== undefined && changedAt > newest) newest = changedAt
        if (record['ConditionIsDeleted'] === true) continue
        const price = Number(record['ConditionRateValue'])
        if (!Number.isFinite(price) || price < 0) {
          errors.push({ message: `condition record ${String(record['ConditionRecord'])}: ConditionRateValue is not a price` })
          continue
        }
        const currency = typeof record['ConditionRateValueUnit'] === 'string' && /^[A-Z]{3}$/.test(record['ConditionRateValueUnit']) ? record['ConditionRateValueUnit'] : o.currency
        const validity = (record['to_SlsPrcgCndnRecdValidity'] as { results?: Array<Record<string, unknown>> } | undefined)?.results ?? []
        for (const v of validity) {
          const material = typeof v['Material'] === 'string' ? v['Material'] : undefined
          if (!material) continue
          if (o.salesOrganization !== undefined && v['SalesOrganization'] !== o.salesOrganization) continue
          if (o.distributionChannel !== undefined && v['DistributionChannel'] !== o.distributionChannel) continue
          const start = fromODataDate(v['ConditionValidityStartDate']) ?? 0
          const end = fromODataDate(v['ConditionValidityEndDate']) ?? Number.MAX_SAFE_INTEGER
          // Only the price valid today; of several, the one that started last.
          if (start > now || end < now) continue
          const known = prices.get(material)
          if (!known || start >= known.start) prices.set(material, { price, currency, start, time: changedAt === undefined ? nowIso : new Date(changedAt).toISOString() })
        }
      }
    }
    for (const [material, p] of prices) diff(itemKey(material, undefined), { price: p.price, currency: p.currency }, p.time)

    // Stock: unrestricted-use quantities of the mapped plants, summed per material and plant.
    const plants = Object.keys(o.plants)
    const plantFilter = plants.map((p) => `Plant eq ${odataString(p)}`).join(' or ')
    const typeFilter = o.stockTypes.map((t) => `InventoryStockType eq ${odataString(t)}`).join(' or ')
    const totals = new Map<string, number>()
    for await (const page of this.#client.read(SAP_STOCK_SERVICE, 'A_MatlStkInAcctMod', {
      filter: `(${plantFilter}) and (${typeFilter})`,
      select: ['Material', 'Plant', 'StorageLocation', 'InventoryStockType', 'MatlWrhsStkQtyInMatlBaseUnit'],
      orderby: 'Material,Plant,StorageLocation',
      pageSize: o.pageSize,
    })) {
      for (const row of page) {
        rows++
        const store = o.plants[String(row['Plant'])]
        const material = row['Material']
        const quantity = Number(row['MatlWrhsStkQtyInMatlBaseUnit'])
        if (store === undefined || typeof material !== 'string') continue
        if (!Number.isFinite(quantity)) {
          errors.push({ message: `stock of ${material} at ${String(row['Plant'])}: quantity is not a number` })
          continue
        }
        const key = itemKey(material, store)
        totals.set(key, (totals.get(key) ?? 0) + quantity)
      }
    }
    // A material that left a plant entirely no longer has rows: its stock is now zero.
    for (const [key, item] of snapshot) if (item.quantity !== undefined && item.quantity !== 0 && !totals.has(key) && !key.startsWith('\u0000')) totals.set(key, 0)
    for (const [key, quantity] of totals) diff(key, { quantity }, nowIso)

    const result = await publish(events)
    const inventory = this.deps.inventory
    if (inventory) for (const key of changed) inventory.applyKey(key, snapshot.get(key)!)
    await state.saveSnapshot(`${this.id}:snapshot`, snapshot)
    if (newest > 0) await state.save(`${this.id}:priceCursor`, Math.max(0, Math.min(newest, now) - o.overlap))
    return { rows, changed: changed.size, events: result.accepted, rejected: result.rejected, errors, baseline }
  }
}

/**
 * SAP S/4HANA stock and prices as a hub module.
 *
 * @example
 * ```ts
 * sapFeed({ url: 'https://my-s4.example.com', username, password, plants: { '1010': 'shibuya' }, every: '10m' })
 * ```
 */
export function sapFeed(options: SapFeedOptions): ContainerModule {
  const parsed = parseOptions(SapFeedOptionsSchema, options, 'sapFeed')
  return feedModule(ErpTokens.SapFeed, parsed.map, (deps) => new SapFeedConnector(parsed, deps))
}
