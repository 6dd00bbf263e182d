import type { ComputedTraits } from '@omotenashi/decisioning'
import type { Profile } from '@omotenashi/profile'
import { product } from './catalogue.js'

/**
 * Today's prices that are below the list price, by SKU. The hub fills it from the ERP's
 * `catalog.price_changed` events (see hub.ts), so computed traits can ask "is it on sale?"
 * synchronously, inside the compiled rules.
 */
export class SaleBoard {
  readonly #prices = new Map<string, number>()

  /** Records a new price; a price back at (or above) the list price ends the sale. */
  set(sku: string, price: number): void {
    const listed = product(sku)?.price
    if (listed !== undefined && price < listed) this.#prices.set(sku, price)
    else this.#prices.delete(sku)
  }

  /** The sale price, if the item is on sale. */
  price(sku: string): number | undefined {
    return this.#prices.get(sku)
  }
}

const DAY = 86_400_000
const zone = (profile: Profile): string => profile.timeZone ?? 'Asia/Tokyo'
// Interest kinds in the order a conversation should start from: what they bought, then tried on, then looked at.
const ORDER = ['purchased', 'tried_on', 'carted', 'viewed'] as const

/** The calendar day (days since the epoch) of an instant in a time zone. */
function localDay(ms: number, timeZone: string): number {
  const ymd = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms)
  return Math.round(Date.parse(`${ymd}T00:00:00Z`) / DAY)
}

/** "yesterday", "3 days ago", "last week": how staff say when something happened, in calendar days of the customer's zone. */
export function ago(at: string, now: number, timeZone = 'Asia/Tokyo'): string {
  const days = localDay(now, timeZone) - localDay(Date.parse(at), timeZone)
  if (days <= 0) return 'today'
  if (days === 1) return 'yesterday'
  if (days < 7) return `${days} days ago`
  if (days < 14) return 'last week'
  return `${Math.floor(days / 7)} weeks ago`
}

/** The most recent interest of one kind within `withinMs`, newest first. */
function latest(profile: Profile, kind: (typeof ORDER)[number], now: number, withinMs = 30 * DAY): { sku: string; at: string } | undefined {
  let best: { sku: string; at: string } | undefined
  for (const [sku, kinds] of Object.entries(profile.interests)) {
    const at = kinds[kind]
    if (at === undefined || now - Date.parse(at) > withinMs || product(sku) === undefined) continue
    if (kind !== 'purchased' && kinds.purchased !== undefined && kinds.purchased >= at) continue
    if (!best || at > best.at) best = { sku, at }
  }
  return best
}

/** The sale item a customer cares about most (bought, tried on, carted, viewed), if any is on sale. */
function salePick(profile: Profile, now: number, sales: SaleBoard): { sku: string; at: string; kind: string } | undefined {
  for (const kind of ORDER) {
    for (const [sku, kinds] of Object.entries(profile.interests).sort((a, b) => (b[1][kind] ?? '').localeCompare(a[1][kind] ?? ''))) {
      const at = kinds[kind]
      if (at !== undefined && now - Date.parse(at) <= 30 * DAY && sales.price(sku) !== undefined) return { sku, at, kind }
    }
  }
  return undefined
}

/**
 * The example's computed traits, read by the rules as `profile.computed.<name>`: the suggested
 * conversation for staff, the sale item a VIP cared about, what goes with a pickup, and the line
 * of a near-store nudge. Plain functions of the profile and the clock, so every decision reads
 * the profile as it is at that moment.
 */
export function fashionTraits(sales: SaleBoard): ComputedTraits {
  return {
    conversation: (profile, now) => {
      const bought = latest(profile, 'purchased', now, 14 * DAY)
      if (bought) return `Ask how the ${product(bought.sku)!.nameEn} bought ${ago(bought.at, now, zone(profile))} fits`
      const tried = latest(profile, 'tried_on', now)
      if (tried) return `They tried on the ${product(tried.sku)!.nameEn} ${ago(tried.at, now, zone(profile))} and did not buy it: offer it in their size`
      const carted = latest(profile, 'carted', now) ?? latest(profile, 'viewed', now)
      if (carted) return `They looked at the ${product(carted.sku)!.nameEn} online ${ago(carted.at, now, zone(profile))}: show it to them in store`
      return 'Welcome them back and ask what brings them in today'
    },
    sale_pick: (profile, now) => salePick(profile, now, sales)?.sku,
    sale_pick_name: (profile, now) => {
      const pick = salePick(profile, now, sales)
      return pick === undefined ? undefined : product(pick.sku)!.nameEn
    },
    sale_pick_price: (profile, now) => {
      const pick = salePick(profile, now, sales)
      return pick === undefined ? undefined : `¥${sales.price(pick.sku)!.toLocaleString('en-US')}`
    },
    sale_pick_bought: (profile, now) => {
      const pick = salePick(profile, now, sales)
      const at = pick === undefined ? undefined : profile.interests[pick.sku]?.purchased
      return at === undefined ? undefined : ago(at, now, zone(profile))
    },
    goes_with: (profile, now) => {
      // The pickup event carries the order's lines; its activity fact holds the SKU of a one-line order.
      const picked = [...profile.activity].reverse().find((a) => a.type === 'order.picked_up' && a.sku !== undefined)
      const sku = picked?.sku ?? latest(profile, 'purchased', now)?.sku
      const item = sku === undefined ? undefined : product(sku)
      if (!item) return 'Ask whether everything in the order is as they expected'
      const pair = product(item.goesWith)!
      return `Suggest the ${pair.nameEn} (¥${pair.price.toLocaleString('en-US')}) to go with the ${item.nameEn}`
    },
    nudge_line_ja: (profile, now) => {
      const seen = latest(profile, 'carted', now) ?? latest(profile, 'viewed', now)
      return seen ? `オンラインでご覧の${product(seen.sku)!.name}を店頭でご試着いただけます` : '本日ご来店の方に次回使える10%オフクーポンを進呈'
    },
    nudge_line_en: (profile, now) => {
      const seen = latest(profile, 'carted', now) ?? latest(profile, 'viewed', now)
      return seen ? `Try on the ${product(seen.sku)!.nameEn} you looked at online` : 'Visit today for 10% off your next purchase'
    },
  }
}
