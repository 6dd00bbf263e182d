import { seededRandom, type EventInput, type Hub, type VirtualClock } from '@omotenashi/core'
import { collectSummary, type RunSummary } from '../summary.js'

/** Options of {@link generateDay} and {@link simulateDay}. */
export interface SimulateOptions {
  /** Customers. Default 100. */
  readonly customers?: number
  /** Stores. Default 3. */
  readonly stores?: number
  /** The day (YYYY-MM-DD), in Japan time. Default 2026-03-01. */
  readonly date?: string
  /** Seed: the same seed gives the same day. Default 1. */
  readonly seed?: number
}

const STORE_NAMES = ['shibuya', 'umeda', 'sakae', 'tenjin', 'sapporo', 'sendai', 'hiroshima', 'naha']
const PRODUCTS = Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${String(i + 1).padStart(3, '0')}`, price: 1900 + ((i * 1700) % 24000), category: ['coats', 'knit', 'shoes', 'bags', 'denim'][i % 5]! }))

/**
 * A day of OMO traffic, in time order: browsing and carts online, check-ins, try-ons and
 * purchases in stores, app screens and orders in the evening, and a few survey answers.
 * Deterministic for a seed.
 */
export function generateDay(options: SimulateOptions = {}): EventInput[] {
  const random = seededRandom(options.seed ?? 1)
  const int = (n: number): number => Math.floor(random() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const customers = options.customers ?? 100
  const stores = STORE_NAMES.slice(0, Math.max(1, Math.min(STORE_NAMES.length, options.stores ?? 3)))
  const dayStart = new Date(`${options.date ?? '2026-03-01'}T00:00:00+09:00`).getTime()
  const at = (hour: number, spreadMinutes = 60): string => new Date(dayStart + hour * 3600_000 + int(spreadMinutes * 60_000)).toISOString()
  const events: EventInput[] = []
  let n = 0
  const push = (e: Omit<EventInput, 'id'>): void => void events.push({ ...e, id: `sim-${options.seed ?? 1}-${++n}` })
  for (let c = 1; c <= customers; c++) {
    const loyaltyId = `L-${String(c).padStart(5, '0')}`
    const anonymousId = `anon-${c}`
    const kind = pick(['online', 'store', 'omni', 'omni'] as const)
    const home = pick(stores)
    const seen = [pick(PRODUCTS), pick(PRODUCTS), pick(PRODUCTS)]
    if (kind !== 'store') {
      const hour = 7 + int(5)
      push({ type: 'page.viewed', source: 'web', time: at(hour, 10), identity: { anonymousId }, data: { path: '/' } })
      for (const p of seen.slice(0, 1 + int(3))) push({ type: 'product.viewed', source: 'web', time: at(hour, 30), identity: { anonymousId, loyaltyId }, data: { sku: p.sku, price: p.price, currency: 'JPY', category: p.category } })
      if (random() < 0.4) push({ type: 'cart.item_added', source: 'web', time: at(hour + 1, 20), identity: { loyaltyId }, data: { sku: seen[0]!.sku, quantity: 1, price: seen[0]!.price, currency: 'JPY' } })
    }
    if (kind !== 'online') {
      const hour = 11 + int(8)
      push({ type: 'store.checked_in', source: 'app', time: at(hour, 5), identity: { loyaltyId }, storeId: home, data: { method: pick(['geofence', 'beacon', 'loyalty_card', 'line'] as const) } })
      const tried = seen.slice(0, 1 + int(2))
      for (const p of tried) push({ type: 'fitting_room.tried_on', source: 'staff', time: at(hour, 40), identity: { loyaltyId }, storeId: home, data: { sku: p.sku } })
      if (random() < 0.45) {
        const p = tried[0]!
        push({ type: 'pos.purchased', source: 'pos', time: at(hour + 1, 10), identity: { loyaltyId }, storeId: home, data: { transactionId: `T-${c}-${n}`, items: [{ sku: p.sku, quantity: 1, unitPrice: p.price }], total: p.price, currency: 'JPY' } })
      }
    }
    if (random() < 0.5) {
      const hour = 19 + int(3)
      push({ type: 'screen.viewed', source: 'app', time: at(hour, 20), identity: { loyaltyId }, data: { name: pick(['home', 'coupons', 'store_stock', 'orders']) } })
      if (random() < 0.2) {
        const p = pick(PRODUCTS)
        push({ type: 'order.placed', source: 'web', time: at(hour, 50), identity: { loyaltyId }, data: { orderId: `O-${c}`, items: [{ sku: p.sku, quantity: 1, unitPrice: p.price }], total: p.price, currency: 'JPY', fulfillment: pick(['delivery', 'pickup'] as const), pickupStoreId: home } })
      } else if (random() < 0.3) {
        push({ type: 'cart.abandoned', source: 'web', time: at(hour, 50), identity: { loyaltyId }, data: { items: [{ sku: seen[1]!.sku, quantity: 1, unitPrice: seen[1]!.price }], total: seen[1]!.price, currency: 'JPY' } })
      }
    }
    if (random() < 0.1) push({ type: 'survey.answered', source: 'line', time: at(18, 120), identity: { loyaltyId }, data: { surveyId: 'visit', questionId: 'enjoyed', answer: pick(['yes', 'no', 'somewhat']) } })
  }
  return events.sort((a, b) => String(a.time).localeCompare(String(b.time)))
}

/**
 * Runs a generated day through a hub on a virtual clock: time moves to each event before it is
 * published (so timers fire in between, as they would live), then to the end of the day.
 */
export async function simulateDay(hub: Hub, clock: VirtualClock, options: SimulateOptions = {}): Promise<{ summary: RunSummary; events: EventInput[] }> {
  const summary = collectSummary(hub)
  const events = generateDay(options)
  for (const event of events) {
    await clock.advanceTo(String(event.time))
    summary.events.read++
    try {
      await hub.publish(event)
      summary.events.accepted++
    } catch (error) {
      summary.events.rejected++
      summary.rejections.push({ line: summary.events.read, code: (error as { code?: string }).code ?? 'E_UNKNOWN', reasons: [(error as Error).message] })
    }
  }
  const end = new Date(`${options.date ?? '2026-03-01'}T23:59:59+09:00`).getTime()
  await clock.advanceTo(end)
  await hub.drain()
  return { summary, events }
}
