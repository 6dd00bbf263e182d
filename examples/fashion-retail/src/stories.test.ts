// Each story of the fashion-retail example, end to end on the virtual clock: real events into the
// example's hub (its rules/*.yaml, profiles, decisioning, the staff channel, the ERP CSV feed),
// reading what the local LINE/email/push sinks recorded, what the stores' staff feeds got and
// what the DecisionLog says.
import { orderStatusEvent } from '@omotenashi/connector-erp'
import { Tokens } from '@omotenashi/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createFashionHub, type FashionHub } from './hub.js'
import { DAY, jst, purchase } from './simulate.js'
import { at, cards, erpFile, latestDecision, member, play, profileOf, sends } from './test-support.js'

let f: FashionHub | undefined
afterEach(async () => {
  await f?.stop()
  f = undefined
})

/** A fresh hub with the ERP's baseline price file already read (a week before the day). */
async function hub(): Promise<FashionHub> {
  f = await createFashionHub()
  f.hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
  })
  await erpFile(f, 'baseline.csv')
  return f
}

const daysBefore = (n: number): string => new Date(Date.parse(`${DAY}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10)
const viewed = (who: { loyaltyId: string }, sku: string) => ({ type: 'product.viewed', source: 'web', identity: who, data: { sku } }) as const
const triedOn = (who: { loyaltyId: string }, sku: string, store: 'shibuya' | 'umeda' = 'shibuya') => ({ type: 'fitting_room.tried_on', source: 'fitting-room', identity: who, storeId: store, data: { sku } }) as const
const checkIn = (who: { loyaltyId: string }, store: 'shibuya' | 'umeda') => ({ type: 'store.checked_in', source: 'app', identity: who, storeId: store, data: { method: 'app' } }) as const
const nearStore = (who: { loyaltyId: string }, store: 'shibuya' | 'umeda') => ({ type: 'geofence.entered', source: 'app', identity: who, storeId: store, data: { geofenceId: `gf-${store}`, kind: 'near_store', storeName: store === 'shibuya' ? '渋谷店' : '梅田店' } }) as const

describe('story 1: VIP clienteling', () => {
  it('a VIP checks in: only that store gets a card, with a conversation drawn from the profile', async () => {
    const f = await hub()
    const vip = await member(f, 'V-1', { name: 'Hanako Yamada', tier: 'platinum', push: true })
    const regular = await member(f, 'R-1', { push: true })
    await at(f, daysBefore(8), '14:00')
    await play(f, purchase(vip, 'umeda', 'COAT-001', 'T-1'))
    await at(f, DAY, '09:00')
    await play(f, viewed(vip, 'BAG-009'))
    await at(f, DAY, '11:00')
    await play(f, checkIn(vip, 'shibuya'), checkIn(regular, 'shibuya'))

    const shibuya = cards(f, 'shibuya')
    expect(shibuya).toHaveLength(1)
    expect(shibuya[0]).toMatchObject({
      actionId: 'vip-welcome',
      storeId: 'shibuya',
      title: 'Hanako Yamada (platinum) just checked in',
      suggestion: 'Ask how the wool Chester coat bought last week fits',
      priority: 'high',
      customer: { name: 'Hanako Yamada', tier: 'platinum', loyaltyId: 'V-1' },
    })
    expect(cards(f, 'umeda')).toEqual([])
    // Staff serve VIPs in person: the check-in sent the VIP nothing.
    expect(sends(f).filter((s) => s.endsWith(':V-1'))).toEqual([])
    const decision = await latestDecision(f, 'V-1', 'store.checked_in')
    expect(decision?.candidates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actionId: 'vip-welcome', status: 'won' }),
        expect.objectContaining({ actionId: 'vip-sale-pitch', status: 'ineligible', policy: 'eligibility' }),
      ]),
    )
  })

  it('without a recent purchase the conversation starts from what they tried on or looked at', async () => {
    const f = await hub()
    const vip = await member(f, 'V-2', { name: 'Aiko Tanaka', tier: 'gold', home: 'umeda' })
    await at(f, daysBefore(2), '21:30')
    await play(f, viewed(vip, 'KNIT-002'))
    await at(f, DAY, '11:05')
    await play(f, checkIn(vip, 'umeda'))
    expect(cards(f, 'umeda').map((c) => c.suggestion)).toEqual(['They looked at the cashmere knit online 2 days ago: show it to them in store'])
    expect(cards(f, 'shibuya')).toEqual([])
  })
})

describe('story 2: try-on retargeting', () => {
  it('a price drop reaches, once, exactly those who tried X on and did not buy it online or in store', async () => {
    const f = await hub()
    const a = await member(f, 'A', { push: true })
    const b = await member(f, 'B', { line: true })
    const c = await member(f, 'C', { line: true })
    const d = await member(f, 'D', {}) // no channel consented
    const e = await member(f, 'E', { push: true })
    const g = await member(f, 'G', { line: true }) // tried on something else
    await at(f, DAY, '11:00')
    await play(f, triedOn(a, 'COAT-001'), triedOn(b, 'COAT-001'), triedOn(c, 'COAT-001', 'umeda'), triedOn(d, 'COAT-001'), triedOn(e, 'COAT-001'), triedOn(g, 'DRESS-005'))
    await at(f, DAY, '12:00')
    // B buys it online, C at the Umeda till.
    await play(f, { type: 'order.placed', source: 'web', identity: b, data: { orderId: 'W-1', items: [{ sku: 'COAT-001', quantity: 1, unitPrice: 39_000 }], total: 39_000, currency: 'JPY', fulfillment: 'delivery' } }, purchase(c, 'umeda', 'COAT-001', 'T-9'))
    // E walks past the store just before the price file: one moment, one message.
    await at(f, DAY, '14:50')
    await play(f, nearStore(e, 'shibuya'))
    expect(sends(f)).toEqual(['push:store-offer:E'])

    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', { 'COAT-001': 29_800 })
    const drops = sends(f).filter((s) => s.includes('price-drop'))
    expect(drops).toEqual(['push:price-drop-on-tried-item:A'])
    const message = f.sinks.push.sent.find((s) => s.message.actionId === 'price-drop-on-tried-item')!.message
    expect(message).toMatchObject({ title: 'The item you tried on is now cheaper', url: 'https://shop.example.jp/items/COAT-001', text: '¥39000 → ¥29800. Buy it online' })
    const policy = async (who: string) => (await latestDecision(f, who, 'catalog.price_changed+audience'))?.candidates[0]?.policy
    expect(await policy('D')).toBe('consent')
    expect(await policy('E')).toBe('moment')
    expect(await latestDecision(f, 'B', 'catalog.price_changed+audience')).toBeUndefined() // bought: never in the audience
    expect(await latestDecision(f, 'C', 'catalog.price_changed+audience')).toBeUndefined()

    // A second drop the same week: nobody hears twice.
    await at(f, DAY, '16:30')
    await erpFile(f, 'evening.csv', { 'COAT-001': 25_000 })
    expect(sends(f).filter((s) => s.includes('price-drop'))).toEqual(['push:price-drop-on-tried-item:A'])
  })

  it('low stock in a store reaches those who tried the item on there and did not buy it, with a link to it online', async () => {
    const f = await hub()
    const a = await member(f, 'A', { line: true })
    const b = await member(f, 'B', { line: true })
    await at(f, DAY, '11:00')
    await play(f, triedOn(a, 'KNIT-002'), triedOn(b, 'KNIT-002'))
    await play(f, purchase(b, 'shibuya', 'KNIT-002', 'T-2'))
    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', {}, { 'KNIT-002@shibuya': 2 })
    expect(sends(f)).toEqual(['line:low-stock-on-tried-item:A'])
    expect(f.sinks.line.sent[0]!.message.url).toBe('https://shop.example.jp/items/KNIT-002')
  })
})

describe('story 3: near-store nudges', () => {
  it('one personal offer per moment, under caps and never in quiet hours', async () => {
    const f = await hub()
    const r = await member(f, 'R', { push: true, line: true, locale: 'ja-JP' })
    const night = await member(f, 'N', { push: true })
    const off = await member(f, 'O', {})
    await at(f, DAY, '09:00')
    await play(f, viewed(r, 'BOOTS-007'))
    await at(f, DAY, '10:00')
    await play(f, nearStore(r, 'shibuya'))
    await at(f, DAY, '10:04')
    // GPS jitter re-enters the fence, and the customer checks in: still one message.
    await play(f, nearStore(r, 'shibuya'), checkIn(r, 'shibuya'), nearStore(off, 'shibuya'))
    const offers = (): string[] => sends(f).filter((s) => s.includes('store-offer'))
    expect(offers()).toEqual(['push:store-offer:R'])
    expect(f.sinks.push.sent[0]!.message).toMatchObject({ title: '渋谷店のすぐ近くです', text: 'オンラインでご覧のレザーブーツを店頭でご試着いただけます', url: 'https://shop.example.jp/stores/shibuya' })
    expect((await latestDecision(f, 'O', 'geofence.entered'))?.candidates[0]?.policy).toBe('consent')
    // 22:30 local: quiet hours drop the nudge (it would be pointless tomorrow).
    await at(f, DAY, '22:30')
    await play(f, nearStore(night, 'umeda'))
    expect(offers()).toEqual(['push:store-offer:R'])
    expect((await latestDecision(f, 'N', 'geofence.entered'))?.candidates[0]).toMatchObject({ status: 'blocked', policy: 'quiet_hours' })
  })

  it('the daily cap holds across actions: a third message the same day is blocked', async () => {
    const f = await hub()
    const r = await member(f, 'R', { push: true, line: true })
    await at(f, DAY, '10:00')
    await play(f, triedOn(r, 'COAT-001'), triedOn(r, 'KNIT-002'))
    await at(f, DAY, '12:00')
    await play(f, nearStore(r, 'shibuya'))
    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', { 'COAT-001': 29_800 })
    // Push had its one a day at noon, so the price drop went by LINE; the day's cap of two is then spent.
    expect(sends(f).sort()).toEqual(['line:price-drop-on-tried-item:R', 'push:store-offer:R'])
    await at(f, DAY, '17:00')
    await erpFile(f, 'evening.csv', { 'COAT-001': 29_800 }, { 'KNIT-002@shibuya': 2 })
    expect(sends(f).sort()).toEqual(['line:price-drop-on-tried-item:R', 'push:store-offer:R'])
    expect((await latestDecision(f, 'R', 'inventory.low_stock+audience'))?.candidates[0]).toMatchObject({ actionId: 'low-stock-on-tried-item', status: 'blocked', policy: 'cap.day' })
    // The next day the cap is fresh.
    await at(f, '2026-11-22', '12:30') // past the offer's one-day cool-down too
    await play(f, nearStore(r, 'umeda'))
    expect(sends(f).filter((s) => s.includes('store-offer'))).toEqual(['push:store-offer:R', 'push:store-offer:R'])
  })
})

describe('story 8: click & collect', () => {
  it('"your order is ready" when the store marks it ready; at pickup the staff card suggests what goes with it', async () => {
    const f = await hub()
    const who = await member(f, 'C-1', { name: 'Mei Kato', push: true, email: true, home: 'shibuya' })
    const oms = (status: 'READY' | 'COLLECTED') =>
      orderStatusEvent({ orderId: 'CC-1', status, storeId: 'S01', customer: who, items: [{ sku: 'COAT-001', quantity: 1 }] }, { statuses: { READY: 'ready_for_pickup', COLLECTED: 'picked_up' }, stores: { S01: 'shibuya' }, source: 'oms' })!
    await at(f, DAY, '09:10')
    await play(f, { type: 'order.placed', source: 'web', identity: who, data: { orderId: 'CC-1', items: [{ sku: 'COAT-001', quantity: 1, unitPrice: 39_000 }], total: 39_000, currency: 'JPY', fulfillment: 'pickup', pickupStoreId: 'shibuya' } })
    expect(sends(f)).toEqual([])
    await at(f, DAY, '11:30')
    await play(f, oms('READY'))
    expect(sends(f)).toEqual(['push:order-ready:C-1'])
    expect(f.sinks.push.sent[0]!.message).toMatchObject({ title: 'Your order is ready', text: 'Order CC-1 is ready for pickup at our shibuya store', url: 'https://shop.example.jp/orders/CC-1' })
    // The OMS retries the same status change: nothing new.
    await play(f, oms('READY'))
    expect(sends(f)).toHaveLength(1)
    await at(f, DAY, '14:00')
    await play(f, oms('COLLECTED'))
    const card = cards(f, 'shibuya').find((c) => c.actionId === 'pickup-suggestion')
    expect(card).toMatchObject({ title: 'Click & collect: Mei Kato is picking up CC-1', suggestion: 'Suggest the wool scarf (¥6,900) to go with the wool Chester coat' })
    expect(cards(f, 'umeda')).toEqual([])
  })
})

describe('story 9: bought-recently restraint', () => {
  it('no sale message about what they bought days ago; the staff card says to ask how they like it', async () => {
    const f = await hub()
    const vip = await member(f, 'V-1', { name: 'Hanako Yamada', tier: 'platinum', push: true, line: true })
    const looker = await member(f, 'L-1', { push: true })
    await at(f, daysBefore(5), '14:10')
    await play(f, purchase(vip, 'shibuya', 'COAT-001', 'T-1'))
    await at(f, DAY, '09:20')
    await play(f, viewed(vip, 'COAT-001'), viewed(looker, 'COAT-001'))
    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', { 'COAT-001': 29_800 })
    // The one who only looked hears about the sale; the one who bought it five days ago does not.
    expect(sends(f)).toEqual(['push:sale-on-viewed-item:L-1'])
    const sale = await latestDecision(f, 'V-1', 'catalog.price_changed+audience')
    expect(sale?.candidates[0]).toMatchObject({ actionId: 'sale-on-viewed-item', status: 'blocked', policy: 'suppression.bought_recently' })

    await at(f, DAY, '15:45')
    await play(f, checkIn(vip, 'shibuya'))
    const [card] = cards(f, 'shibuya')
    expect(card).toMatchObject({ actionId: 'vip-ask-how-they-like-it', suggestion: 'Ask how they like the wool Chester coat they bought 5 days ago', avoid: ['Do not mention that it is on sale now'] })
    const decision = await latestDecision(f, 'V-1', 'store.checked_in')
    expect(decision?.candidates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actionId: 'vip-sale-pitch', status: 'blocked', policy: 'suppression.bought_recently' }),
        expect.objectContaining({ actionId: 'vip-ask-how-they-like-it', status: 'won' }),
      ]),
    )
  })

  it('a VIP who only looked at the sale item gets the sale pitch instead', async () => {
    const f = await hub()
    const vip = await member(f, 'V-3', { name: 'Riku Sato', tier: 'gold' })
    await at(f, DAY, '09:00')
    await play(f, viewed(vip, 'COAT-001'))
    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', { 'COAT-001': 29_800 })
    await at(f, DAY, '16:00')
    await play(f, checkIn(vip, 'umeda'))
    expect(cards(f, 'umeda').map((c) => [c.actionId, c.suggestion])).toEqual([['vip-sale-pitch', 'The wool Chester coat they looked at is now ¥29,800: offer to bring it']])
  })
})

describe('story 6: the post-visit LINE question', () => {
  it('asks on LINE at 18:00 local the evening of a visit, once; a visit after 18:00 is not asked; the answer lands on the profile', async () => {
    const f = await hub()
    const g = await member(f, 'G', { line: true, locale: 'ja-JP' })
    const late = await member(f, 'L', { line: true })
    await at(f, DAY, '11:00')
    await play(f, checkIn(g, 'shibuya'))
    await at(f, DAY, '13:00')
    await play(f, checkIn(g, 'shibuya')) // came back after lunch: still one question
    await at(f, DAY, '17:59')
    expect(f.sinks.line.sent).toEqual([])
    await at(f, DAY, '18:00')
    expect(sends(f)).toEqual(['line:how-was-today:G'])
    const sent = f.sinks.line.sent[0]!
    expect(new Date(sent.at).toISOString()).toBe(new Date(jst(DAY, '18:00')).toISOString())
    expect(sent.message.content?.['line']).toMatchObject({ text: '本日はご来店ありがとうございました。いかがでしたか？', quickReplies: ['よかった', 'まあまあ', '残念だった'] })
    // L visits at 19:00: 18:00 has passed, and asking tomorrow is pointless.
    await at(f, DAY, '19:00')
    await play(f, checkIn(late, 'umeda'))
    await f.clock.advance(2 * 86_400_000)
    await f.hub.drain()
    expect(sends(f)).toEqual(['line:how-was-today:G'])
    // The reply comes back through the LINE webhook as an answer about the same person.
    await play(f, { type: 'survey.answered', source: 'line', identity: { lineUserId: sent.recipient.identifiers['lineUserId']![0]! }, data: { surveyId: 'post-visit', questionId: 'how-was-today', answer: 'よかった' } })
    expect((await profileOf(f, 'G'))?.answers.map((a) => [a.questionId, a.answer])).toEqual([['how-was-today', 'よかった']])
    expect(await f.hub.get(Tokens.IdentityResolver).resolve({ lineUserId: sent.recipient.identifiers['lineUserId']![0]! }, { create: false })).toBe(await f.customerId('G'))
  })
})
