import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inboxChannel } from '@omotenashi/channel-push'
import { StaffTokens, staffChannel } from '@omotenashi/channel-staff'
import { erpCsvFeed, erpInventory, ErpTokens } from '@omotenashi/connector-erp'
import { createHub, RecordingChannel, recordingChannel, Tokens, VirtualClock, type Decision, type Hub } from '@omotenashi/core'
import { decisioning, loadRules, type PoliciesSpec } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { STORE_IDS, STORES } from './catalogue.js'
import { fashionTraits, SaleBoard } from './computed-traits.js'
import { decisionLogPage } from './decision-log-page.js'
import { DemoStats } from './stats.js'

/** Where the example's clock starts: 07:00 in Tokyo, a week before the simulated day. */
export const START = '2026-11-13T22:00:00Z'

/** The contact policies of the example (docs/rules.md, "Contact policies"). */
export const POLICIES: PoliciesSpec = {
  caps: { overall: { day: 2, week: 6 }, perChannel: { push: { day: 1 } } },
  quietHours: { from: '21:00', to: '08:00' },
  moment: '30m',
  boughtWithin: '14d',
  defaultTimeZone: 'Asia/Tokyo',
  defaultLocale: 'ja',
}

/** Options of {@link createFashionHub}. */
export interface FashionHubOptions {
  /** The clock. Default: a VirtualClock at {@link START}. */
  readonly clock?: VirtualClock
  /** The folder the ERP drops its price and stock CSV snapshots into. Default: a new temporary folder. */
  readonly erpDir?: string
  /** Key signing staff device tokens (≥ 32 bytes). Default: random per process. */
  readonly staffSecret?: string
  /** Called with every decision once recorded. */
  readonly onDecision?: (decision: Decision) => void
}

/** The local sinks: what would have been sent on LINE, by email and by push. */
export interface FashionSinks {
  readonly line: RecordingChannel
  readonly email: RecordingChannel
  readonly push: RecordingChannel
}

/** The assembled example hub and the handles the stories and the demo read. */
export interface FashionHub {
  readonly hub: Hub
  readonly clock: VirtualClock
  readonly sinks: FashionSinks
  /** Today's sale prices (fed by the ERP's price changes). */
  readonly sales: SaleBoard
  /** Counts of decisions, sends and blocks, for the summary. */
  readonly stats: DemoStats
  /** The ERP drop folder. */
  readonly erpDir: string
  /** Checks the ERP drop folder now (instead of waiting for the 5-minute poll) and processes what it published. */
  pollErp(): Promise<void>
  /** A signed staff device token for the console (default lifetime 30 days of the hub's clock). */
  staffToken(staffId: string, store: string, ttlSeconds?: number): string
  /** The customer id of a loyalty member, if known. */
  customerId(loyaltyId: string): Promise<string | undefined>
  /** A loyalty member's decisions, newest first. */
  decisions(loyaltyId: string): Promise<Decision[]>
  /** Stops the hub. */
  stop(): Promise<void>
}

/**
 * Assembles the fashion retailer's hub on embedded defaults: memory profiles and stores, the
 * rules in `rules/*.yaml`, LINE, email and push as local sinks that record what would have been
 * sent (swap in `lineChannel()`, `emailChannel()`, `pushChannel()` in production), the in-app
 * inbox, the staff channel for the Shibuya and Umeda stores, and the ERP's CSV price/stock feed
 * with its inventory. Returns it started.
 */
export async function createFashionHub(options: FashionHubOptions = {}): Promise<FashionHub> {
  const clock = options.clock ?? new VirtualClock(START)
  const now = (): number => clock.now()
  const sinks: FashionSinks = {
    line: new RecordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId', rich: true, twoWay: true }, now }),
    email: new RecordingChannel({ id: 'email', capabilities: { addressKind: 'email' }, now }),
    push: new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now }),
  }
  const erpDir = options.erpDir ?? (await mkdtemp(join(tmpdir(), 'omotenashi-fashion-erp-')))
  const sales = new SaleBoard()
  const stats = new DemoStats()
  const rules = await loadRules('rules/*.yaml', { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  const hub = await createHub({
    clock,
    modules: [
      profiles(),
      decisioning({
        rules,
        policies: POLICIES,
        stores: Object.fromEntries(STORE_IDS.map((id) => [id, { lat: STORES[id].lat, lon: STORES[id].lon, timeZone: 'Asia/Tokyo' }])),
        computedTraits: fashionTraits(sales),
        learning: { seed: 1 },
        onDecision: (decision) => {
          stats.decided(decision)
          options.onDecision?.(decision)
        },
      }),
      recordingChannel(sinks.line),
      recordingChannel(sinks.email),
      recordingChannel(sinks.push),
      inboxChannel({ ttlSeconds: 14 * 86_400 }),
      staffChannel({ stores: [...STORE_IDS], secret: options.staffSecret ?? randomBytes(32).toString('hex') }),
      erpInventory(),
      erpCsvFeed({ dir: erpDir, every: '5m', stores: Object.fromEntries(STORE_IDS.map((id) => [STORES[id].erpCode, id])), lowStockThreshold: 3 }),
      decisionLogPage(),
    ],
  })
  // A dead letter means a stage failed: the example must never hide that.
  hub.hooks.on('deadletter', (letter) => stats.deadLetter(`${letter.event.type} at ${letter.stage}: ${letter.error.message}`))
  hub.hooks.on('action.sent', (action, channel) => stats.sent(action.actionId, channel, action.message))
  // The sale board follows the ERP's prices the moment a change is accepted.
  hub.hooks.on('event.accepted', (event) => {
    if (event.type !== 'catalog.price_changed') return
    const { sku, newPrice } = event.data as { sku?: unknown; newPrice?: unknown }
    if (typeof sku === 'string' && typeof newPrice === 'number') sales.set(sku, newPrice)
  })
  await hub.start()
  const resolve = (loyaltyId: string): Promise<string | undefined> => hub.get(Tokens.IdentityResolver).resolve({ loyaltyId }, { create: false })
  const feed = hub.get(ErpTokens.CsvFeed)
  return {
    hub,
    clock,
    sinks,
    sales,
    stats,
    erpDir,
    async pollErp() {
      await feed.runOnce()
      await hub.drain()
    },
    // Tokens are timed by the hub's clock; the demo's virtual clock spans a week and a day, so a long lifetime.
    staffToken: (staffId, store, ttlSeconds = 30 * 86_400) => hub.get(StaffTokens.Staff).issueToken({ staffId, storeIds: [store], ttlSeconds }),
    customerId: resolve,
    async decisions(loyaltyId) {
      const id = await resolve(loyaltyId)
      return id === undefined ? [] : hub.get(Tokens.DecisionLog).list(id, { limit: 200 })
    },
    stop: () => hub.stop(),
  }
}
