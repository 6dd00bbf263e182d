import { createHash } from 'node:crypto'
import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { orderStatusEvent } from '@omotenashi/connector-erp'
import { seededRandom, type EventInput } from '@omotenashi/core'
import { PRODUCTS, STORE_IDS, STORES, type StoreId } from './catalogue.js'
import type { FashionHub } from './hub.js'

/** The simulated Saturday (JST). */
export const DAY = '2026-11-21'

/** Options of {@link simulateDay}. */
export interface SimulationOptions {
  /** How many loyalty members (default 300; the first 30 are VIPs). */
  readonly customers?: number
  /** Seed of the random choices: the same seed plays the same day. Default 2026. */
  readonly seed?: number
  /** Called as each hour of the day starts (JST hour). */
  readonly onHour?: (hour: number) => void
  /** Real milliseconds to wait per simulated minute (0: as fast as possible). */
  readonly msPerMinute?: number
}

/** What a simulated day played. */
export interface SimulationReport {
  readonly customers: number
  readonly events: number
  readonly rejected: number
}

const GIVEN = ['Hanako', 'Aiko', 'Yuki', 'Haruto', 'Sota', 'Mei', 'Ren', 'Yui', 'Riku', 'Sakura', 'Kaito', 'Hina', 'Daiki', 'Mio', 'Takumi', 'Emma', 'Noah', 'Akari', 'Shun', 'Nanami']
const FAMILY = ['Yamada', 'Tanaka', 'Suzuki', 'Sato', 'Takahashi', 'Ito', 'Watanabe', 'Nakamura', 'Kobayashi', 'Kato', 'Yoshida', 'Yamamoto', 'Sasaki', 'Matsumoto', 'Inoue', 'Kimura']

/** One loyalty member of the simulation. */
export interface SimCustomer {
  readonly loyaltyId: string
  readonly name: string
  readonly tier: 'platinum' | 'gold' | 'silver' | 'basic'
  readonly locale: 'ja-JP' | 'en'
  readonly home: StoreId
  readonly push: boolean
  readonly line: boolean
  readonly email: boolean
}

const hex = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length)

/** A JST wall-clock time on a day → epoch ms. */
export function jst(day: string, hhmm: string): number {
  return Date.parse(`${day}T${hhmm}:00+09:00`)
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** The members: deterministic from the seed. FR-0001 and FR-0002 are the VIPs the README follows. */
export function makeCustomers(count: number, random: () => number): SimCustomer[] {
  const out: SimCustomer[] = []
  for (let i = 1; i <= count; i++) {
    const vip = i <= Math.max(2, Math.round(count / 10))
    out.push({
      loyaltyId: `FR-${String(i).padStart(4, '0')}`,
      name: i === 1 ? 'Hanako Yamada' : i === 2 ? 'Aiko Tanaka' : `${GIVEN[Math.floor(random() * GIVEN.length)]} ${FAMILY[Math.floor(random() * FAMILY.length)]}`,
      tier: i === 1 ? 'platinum' : vip ? (random() < 0.3 ? 'platinum' : 'gold') : random() < 0.3 ? 'silver' : 'basic',
      locale: i <= 2 || random() < 0.85 ? 'ja-JP' : 'en',
      home: i === 1 ? 'shibuya' : i === 2 ? 'umeda' : random() < 0.55 ? 'shibuya' : 'umeda',
      push: i === 1 || random() < 0.55,
      line: i <= 2 || random() < 0.6,
      email: random() < 0.45,
    })
  }
  return out
}

/** The events that make a member known to the hub: traits, devices, LINE follow, email, consent. */
export function signUpEvents(c: SimCustomer): EventInput[] {
  const identity = { loyaltyId: c.loyaltyId }
  const events: EventInput[] = [
    { type: 'profile.traits_updated', source: 'app', identity, data: { traits: { name: c.name, tier: c.tier, homeStore: c.home, timeZone: 'Asia/Tokyo', locale: c.locale } } },
  ]
  if (c.push) {
    events.push({ type: 'push.token_registered', source: 'app', identity, data: { token: `apns:${hex(`push:${c.loyaltyId}`, 64)}`, platform: 'ios' } })
    events.push({ type: 'consent.changed', source: 'app', identity, data: { channel: 'push', granted: true } })
    events.push({ type: 'consent.changed', source: 'app', identity, data: { channel: 'inbox', granted: true } })
  }
  if (c.line) events.push({ type: 'line.followed', source: 'line', identity: { ...identity, lineUserId: `U${hex(`line:${c.loyaltyId}`, 32)}` }, data: {} })
  if (c.email) {
    events.push({ type: 'identity.linked', source: 'web', identity: { ...identity, email: `${c.loyaltyId.toLowerCase()}@example.jp` }, data: {} })
    events.push({ type: 'consent.changed', source: 'web', identity, data: { channel: 'email', granted: true } })
  }
  return events
}

/** A purchase at a store's till. */
export function purchase(c: { loyaltyId: string }, store: StoreId, sku: string, transactionId: string, price?: number): EventInput {
  const item = PRODUCTS.find((p) => p.sku === sku)!
  const unitPrice = price ?? item.price
  return { type: 'pos.purchased', source: 'pos', identity: { loyaltyId: c.loyaltyId }, storeId: store, data: { transactionId, items: [{ sku, name: item.name, quantity: 1, unitPrice }], total: unitPrice, currency: 'JPY' } }
}

/** The ERP's price and stock snapshot as the CSV it drops (one row per SKU centrally, and per store). */
export function erpSnapshot(prices: Readonly<Record<string, number>>, stock: (sku: string, store: StoreId | undefined) => number): string {
  const lines = ['sku,store,price,quantity']
  for (const p of PRODUCTS) {
    const price = prices[p.sku] ?? p.price
    lines.push(`${p.sku},,${price},${stock(p.sku, undefined)}`)
    for (const store of STORE_IDS) lines.push(`${p.sku},${STORES[store].erpCode},${price},${stock(p.sku, store)}`)
  }
  return `${lines.join('\n')}\n`
}

/** The OMS status words of the example's click & collect orders. */
const OMS_STATUSES = { READY: 'ready_for_pickup', COLLECTED: 'picked_up' } as const

type Step = { readonly at: number; readonly seq: number } & ({ readonly event: EventInput } | { readonly run: () => Promise<void> })

/**
 * Plays a simulated Saturday of store and online traffic on the hub's virtual clock: a week of
 * history first (sign-ups, a few purchases), then the day: product views, carts, online orders,
 * store visits (geofence → check-in → fitting room → till), click & collect orders marked ready
 * by the store and picked up, the ERP's afternoon price file (a coat drops in price, a knit runs
 * low in Shibuya), and answers to the evening LINE question. Deterministic for a seed.
 */
export async function simulateDay(fashion: FashionHub, options: SimulationOptions = {}): Promise<SimulationReport> {
  const { hub, clock } = fashion
  const random = seededRandom(options.seed ?? 2026)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  // Coats and knits are what people try on in November: weight them.
  const popular = ['COAT-001', 'COAT-001', 'COAT-001', 'KNIT-002', 'KNIT-002', 'DRESS-005', 'BOOTS-007', 'PANTS-004', 'SCARF-010', 'BAG-009', 'SHIRT-003']
  // What goes into the fitting rooms: mostly the coat and the knit.
  const fitting = ['COAT-001', 'COAT-001', 'COAT-001', 'COAT-001', 'KNIT-002', 'KNIT-002', 'DRESS-005', 'BOOTS-007', 'PANTS-004']
  const minute = (from: string, to: string): number => {
    const a = jst(DAY, from)
    const b = jst(DAY, to)
    return a + Math.floor((random() * (b - a)) / 60_000) * 60_000
  }
  const customers = makeCustomers(options.customers ?? 300, random)
  const steps: Step[] = []
  let seq = 0
  let eventNo = 0
  const at = (time: number, event: EventInput): void => void steps.push({ at: time, seq: seq++, event: { id: `sim-${++eventNo}`, ...event, time: new Date(time).toISOString() } })
  const run = (time: number, fn: () => Promise<void>): void => void steps.push({ at: time, seq: seq++, run: fn })

  // A week before: everyone signs up (or already had), the ERP's baseline file arrives.
  const weekBefore = addDays(DAY, -7)
  for (const c of customers) for (const e of signUpEvents(c)) at(jst(weekBefore, '07:00'), e)
  const baseStock = (sku: string, store: StoreId | undefined): number => (store === undefined ? 40 : sku === 'KNIT-002' && store === 'shibuya' ? 8 : 6)
  run(jst(weekBefore, '07:30'), () => dropErpFile(fashion, 'stock-baseline.csv', erpSnapshot({}, baseStock)))
  // Hanako (platinum) bought the coat in Shibuya five days before; others bought things during the week.
  at(jst(addDays(DAY, -5), '14:10'), purchase(customers[0]!, 'shibuya', 'COAT-001', 'T-0001'))
  for (const c of customers.slice(2)) {
    if (random() < 0.15) at(jst(addDays(DAY, -1 - Math.floor(random() * 5)), '13:00'), purchase(c, c.home, pick(popular), `T-${hex(c.loyaltyId, 8)}`))
  }
  // Aiko (gold) looked at the cashmere knit online two days before.
  at(jst(addDays(DAY, -2), '21:30'), { type: 'product.viewed', source: 'web', identity: { loyaltyId: customers[1]!.loyaltyId }, data: { sku: 'KNIT-002', category: 'knitwear', price: 18_000, currency: 'JPY' } })

  // The day.
  const hanako = customers[0]!
  at(jst(DAY, '09:20'), { type: 'product.viewed', source: 'web', identity: { loyaltyId: hanako.loyaltyId }, data: { sku: 'COAT-001', category: 'coats', price: 39_000, currency: 'JPY' } })
  at(jst(DAY, '17:10'), { type: 'geofence.entered', source: 'app', identity: { loyaltyId: hanako.loyaltyId }, storeId: 'shibuya', data: { geofenceId: 'gf-shibuya', kind: 'near_store', storeName: STORES.shibuya.name } })
  at(jst(DAY, '17:15'), { type: 'store.checked_in', source: 'app', identity: { loyaltyId: hanako.loyaltyId }, storeId: 'shibuya', data: { method: 'app' } })
  at(jst(DAY, '11:05'), { type: 'store.checked_in', source: 'line', identity: { loyaltyId: customers[1]!.loyaltyId }, storeId: 'umeda', data: { method: 'line' } })

  let orders = 0
  for (const c of customers.slice(2)) {
    const identity = { loyaltyId: c.loyaltyId }
    if (random() < 0.7) {
      let t = minute('08:00', '23:00')
      at(t, { type: 'page.viewed', source: 'web', identity, data: { path: '/', title: 'Home' } })
      const seen: string[] = []
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        t += 60_000 + Math.floor(random() * 4) * 60_000
        const sku = pick(popular)
        const item = PRODUCTS.find((p) => p.sku === sku)!
        seen.push(sku)
        at(t, { type: 'product.viewed', source: 'web', identity, data: { sku, category: item.category, price: item.price, currency: 'JPY' } })
      }
      if (random() < 0.3) {
        const sku = seen[0]!
        t += 2 * 60_000
        at(t, { type: 'cart.item_added', source: 'web', identity, data: { sku, quantity: 1, price: PRODUCTS.find((p) => p.sku === sku)!.price, currency: 'JPY' } })
        if (random() < 0.3) {
          t += 3 * 60_000
          const price = PRODUCTS.find((p) => p.sku === sku)!.price
          at(t, { type: 'order.placed', source: 'web', identity, data: { orderId: `W-${++orders}`, items: [{ sku, quantity: 1, unitPrice: price }], total: price, currency: 'JPY', fulfillment: 'delivery' } })
        }
      }
    }
    if (random() < 0.35) {
      // A store visit: walking past (geofence), checking in, the fitting room, maybe the till.
      const store = c.home
      let t = minute('10:00', '19:30')
      at(t, { type: 'geofence.entered', source: 'app', identity, storeId: store, data: { geofenceId: `gf-${store}`, kind: 'near_store', storeName: STORES[store].name } })
      if (random() < 0.75) {
        t += (3 + Math.floor(random() * 8)) * 60_000
        at(t, { type: 'store.checked_in', source: random() < 0.5 ? 'app' : 'pos', identity, storeId: store, data: { method: random() < 0.5 ? 'app' : 'loyalty_card' } })
        if (random() < 0.7) {
          const tried = [pick(fitting)]
          if (random() < 0.4) tried.push(pick(fitting))
          for (const sku of tried) {
            t += (5 + Math.floor(random() * 15)) * 60_000
            at(t, { type: 'fitting_room.tried_on', source: 'fitting-room', identity, storeId: store, data: { sku, size: pick(['S', 'M', 'L']) } })
          }
          if (random() < 0.3) {
            t += 15 * 60_000
            at(t, purchase(c, store, tried[0]!, `T-${hex(`${c.loyaltyId}:${t}`, 8)}`))
          }
        }
      }
    }
    if (random() < 0.08) {
      // Click & collect: ordered online in the morning, marked ready by the store, picked up (mostly).
      const sku = pick(popular)
      const price = PRODUCTS.find((p) => p.sku === sku)!.price
      const orderId = `CC-${++orders}`
      const placed = minute('08:30', '12:30')
      at(placed, { type: 'order.placed', source: 'web', identity, data: { orderId, items: [{ sku, quantity: 1, unitPrice: price }], total: price, currency: 'JPY', fulfillment: 'pickup', pickupStoreId: c.home } })
      const ready = placed + (90 + Math.floor(random() * 90)) * 60_000
      const oms = (status: keyof typeof OMS_STATUSES, time: number): EventInput =>
        orderStatusEvent({ orderId, status, storeId: STORES[c.home].erpCode, customer: identity, time: new Date(time).toISOString(), items: [{ sku, quantity: 1 }] }, { statuses: OMS_STATUSES, stores: Object.fromEntries(STORE_IDS.map((s) => [STORES[s].erpCode, s])), source: 'oms' })!
      at(ready, oms('READY', ready))
      if (random() < 0.8) {
        const collected = ready + (60 + Math.floor(random() * 180)) * 60_000
        at(collected, oms('COLLECTED', collected))
      }
    }
  }

  // 16:30: the ERP's afternoon file. The coat drops from ¥39,000 to ¥29,800; the knit runs low in Shibuya.
  run(jst(DAY, '16:30'), () =>
    dropErpFile(fashion, 'stock-afternoon.csv', erpSnapshot({ 'COAT-001': 29_800 }, (sku, store) => (sku === 'KNIT-002' && store === 'shibuya' ? 2 : baseStock(sku, store)))),
  )
  // 18:20–19:30: some of those asked "how was today?" on LINE answer with a quick reply (the LINE webhook's events).
  run(jst(DAY, '18:20'), async () => {
    const asked = fashion.sinks.line.sent.filter((s) => s.message.actionId === 'how-was-today' && s.at >= jst(DAY, '00:00'))
    for (const [n, send] of asked.entries()) {
      if (random() >= 0.45) continue
      const lineUserId = send.recipient.identifiers['lineUserId']?.[0]
      if (lineUserId === undefined) continue
      const answer = pick(send.recipient.locale === 'en' ? ['Great', 'OK', 'Disappointing'] : ['よかった', 'まあまあ', '残念だった'])
      const time = jst(DAY, '18:20') + (n % 60) * 60_000
      at(time, { type: 'survey.answered', source: 'line', identity: { lineUserId }, data: { surveyId: 'post-visit', questionId: 'how-was-today', question: '本日はいかがでしたか？', answer } })
    }
    steps.sort(byTime)
  })

  const byTime = (a: Step, b: Step): number => a.at - b.at || a.seq - b.seq
  steps.sort(byTime)
  let played = 0
  let rejected = 0
  let hour = -1
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!
    if (step.at > clock.now()) {
      const wait = options.msPerMinute ? Math.min(2_000, ((step.at - clock.now()) / 60_000) * options.msPerMinute) : 0
      if (wait > 0 && step.at >= jst(DAY, '00:00')) await new Promise((r) => setTimeout(r, wait))
      await clock.advanceTo(step.at)
      await hub.drain()
    }
    const h = Number(new Date(step.at + 9 * 3_600_000).toISOString().slice(11, 13))
    if (step.at >= jst(DAY, '00:00') && h !== hour) {
      hour = h
      options.onHour?.(h)
    }
    if ('run' in step) {
      await step.run()
      continue
    }
    try {
      await hub.publish(step.event)
      played++
    } catch {
      rejected++
    }
  }
  // The evening: let the 18:00 questions and deferred sends run to the end of the day.
  await clock.advanceTo(jst(DAY, '23:59'))
  await hub.drain()
  return { customers: customers.length, events: played, rejected }
}

/** The ERP drops a snapshot file (stamped with the virtual time) and the feed picks it up. */
export async function dropErpFile(fashion: FashionHub, name: string, csv: string): Promise<void> {
  const path = join(fashion.erpDir, name)
  await writeFile(path, csv)
  const when = new Date(fashion.clock.now())
  await utimes(path, when, when)
  await fashion.pollErp()
}
