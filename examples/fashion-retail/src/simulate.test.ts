// The simulated day the demo plays: deterministic, and the policies hold across a few hundred customers.
import { StaffTokens } from '@omotenashi/channel-staff'
import { seededRandom } from '@omotenashi/core'
import { afterEach, describe, expect, it } from 'vitest'
import { STORE_IDS } from './catalogue.js'
import { createFashionHub, type FashionHub } from './hub.js'
import { makeCustomers, simulateDay } from './simulate.js'

const hubs: FashionHub[] = []
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.stop()
})

async function playedDay(seed = 2026) {
  const f = await createFashionHub()
  hubs.push(f)
  const report = await simulateDay(f, { seed })
  const sent = [f.sinks.line, f.sinks.email, f.sinks.push].flatMap((c) => c.sent.map((s) => ({ channel: c.id, actionId: s.message.actionId, who: s.recipient.identifiers['loyaltyId']?.[0] ?? '?', at: s.at })))
  return { f, report, sent }
}

const JST = 9 * 3_600_000
const localHour = (ms: number): number => new Date(ms + JST).getUTCHours()
const localDay = (ms: number): string => new Date(ms + JST).toISOString().slice(0, 10)

describe('the simulated day', () => {
  it('is the same day on every run (seeded), with every story in it and no dead letter', async () => {
    const one = await playedDay()
    const two = await playedDay()
    expect(one.report).toEqual(two.report)
    expect(one.report.customers).toBe(300)
    expect(one.report.events).toBeGreaterThan(2000)
    expect(one.report.rejected).toBe(0)
    expect(one.sent.map((s) => `${s.at}:${s.channel}:${s.actionId}:${s.who}`)).toEqual(two.sent.map((s) => `${s.at}:${s.channel}:${s.actionId}:${s.who}`))
    expect(one.f.stats.deadLetters).toEqual([])
    expect(Object.fromEntries(one.f.stats.sendsByAction)).toEqual(Object.fromEntries(two.f.stats.sendsByAction))
    for (const action of ['vip-welcome', 'vip-sale-pitch', 'vip-ask-how-they-like-it', 'price-drop-on-tried-item', 'low-stock-on-tried-item', 'sale-on-viewed-item', 'store-offer', 'order-ready', 'pickup-suggestion', 'how-was-today']) {
      expect(one.f.stats.sendsByAction.get(action), action).toBeGreaterThan(0)
    }
    for (const policy of ['consent', 'suppression.bought_recently', 'cap.day', 'moment', 'wait.passed']) expect(one.f.stats.blocked.get(policy), policy).toBeGreaterThan(0)
    // Another seed plays another day.
    const other = await playedDay(7)
    expect(other.sent.length).not.toBe(one.sent.length)
  }, 60_000)

  it('keeps the contact policies for every customer: caps per local day, one message per moment, quiet hours', async () => {
    const { sent } = await playedDay()
    const byCustomer = new Map<string, typeof sent>()
    for (const s of sent) byCustomer.set(s.who, [...(byCustomer.get(s.who) ?? []), s])
    for (const [who, list] of byCustomer) {
      const days = new Map<string, number>()
      for (const s of list) days.set(localDay(s.at), (days.get(localDay(s.at)) ?? 0) + 1)
      for (const [day, n] of days) expect(n, `${who} on ${day}`).toBeLessThanOrEqual(2)
      const times = list.map((s) => s.at).sort((a, b) => a - b)
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `${who}: two messages within one moment`).toBeGreaterThanOrEqual(30 * 60_000)
      expect(list.filter((s) => s.channel === 'push' && localDay(s.at) === localDay(times[0]!)).length).toBeLessThanOrEqual(1)
    }
    for (const s of sent) {
      const hour = localHour(s.at)
      expect(hour >= 8 && hour < 21, `${s.actionId} to ${s.who} at ${hour}:00 local`).toBe(true)
    }
  }, 60_000)

  it('shows staff cards only to the store the customer is in', async () => {
    const f = await createFashionHub()
    hubs.push(f)
    const routed: Array<{ store: string | undefined; who: string | undefined }> = []
    f.hub.hooks.on('action.sent', (action, channel) => {
      if (channel === 'staff') routed.push({ store: action.message.storeId, who: action.recipient.identifiers['loyaltyId']?.[0] })
    })
    await simulateDay(f)
    const home = new Map(makeCustomers(300, seededRandom(2026)).map((c) => [c.loyaltyId, c.home]))
    // Every card of the day went to the customer's own store (the simulation visits only that one)…
    expect(routed.length).toBeGreaterThan(20)
    for (const card of routed) expect(card.store, card.who).toBe(home.get(card.who!))
    // …and the stores' feeds (what a device connecting at the end of the day replays: the last eight hours) agree.
    const feed = f.hub.get(StaffTokens.Staff).feed
    let buffered = 0
    for (const store of STORE_IDS) {
      for (const entry of feed.since(store)) {
        buffered++
        expect(home.get(entry.card.customer.loyaltyId!), entry.card.id).toBe(store)
      }
    }
    expect(buffered).toBeGreaterThan(5)
  }, 60_000)
})
