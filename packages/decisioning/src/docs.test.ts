// Executes the examples of docs/rules.md: every YAML block there is loaded and compiled, and
// the examples are run, so the reference cannot drift from the code.
import { readFileSync } from 'node:fs'
import { seededRandom, Tokens } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { DecisionEngine } from './engine.js'
import { MemoryContactHistory } from './contact-history.js'
import { unitHash } from './hashing.js'
import { parseRules } from './load-rules.js'
import { compilePolicies } from './policies.js'
import { ResponseModel } from './response-model.js'
import { mergeRuleBooks, ruleBook, type RuleBook } from './rule-book.js'
import { compileRuleBook } from './rule-set.js'
import type { ActionSpec } from './schema.js'
import { sends, storyCustomer, storyHub } from './test-support.js'
import { profileFixture } from './testing/index.js'

const markdown = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8')
const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!)
const stores = { shibuya: { lat: 35.658, lon: 139.7016, timeZone: 'Asia/Tokyo' } }
const books: RuleBook[] = blocks.map((text, i) => parseRules(text, { file: `docs/rules.md#yaml-${i + 1}`, stores }))

// Actions the examples name but the page does not define (it documents rules, not a catalogue).
const extraActions: ActionSpec[] = [
  { id: 'coat-styling-tips', channels: ['line', 'push'] },
  { id: 'vip-welcome', channels: ['push'] },
  { id: 'still-thinking', channels: ['push', 'line'], content: { default: { title: 'Still thinking about {{data.sku}}?' } } },
  { id: 'how-was-today', channels: ['line'], quietHours: 'ignore', content: { default: { text: 'How was today?' } } },
  { id: 'offer-card-loan', value: 1, propensity: 0.4, content: { default: { title: 'Offer the card loan' } } },
  { id: 'offer-savings', value: 1, propensity: 0.2, content: { default: { title: 'Offer the savings plan' } } },
]
const book = mergeRuleBooks(ruleBook({ actions: extraActions }), ...books)
// One rule of this test's own, to run the page's `insteadIfBought` action.
const withSale = mergeRuleBooks(book, ruleBook({ rules: [{ id: 'sale-on-view', when: { event: 'product.viewed', if: { 'data.sku': 'coat-1' } }, do: { action: 'coat-on-sale' } }] }))

describe('docs/rules.md', () => {
  it('has YAML examples, and every one loads and compiles with the catalogue', () => {
    expect(blocks.length).toBe(7)
    const set = compileRuleBook(book, { stores })
    expect(set.rules.map((r) => r.id)).toEqual([
      'try-on-retargeting',
      'evening-coat-browsers',
      'vip-near-shibuya',
      'tried-not-bought',
      'post-visit-question',
      'callcenter-nba',
    ])
    expect([...set.segments.keys()]).toEqual(['vip', 'staff-family', 'near-shibuya'])
  })

  it('the DX sketch rule is on the page as written', () => {
    expect(markdown).toContain('audience:                       # fan out from the item to the people')
  })

  it('evening-coat-browsers: conditions on payload, traits, local time, day, consent, segments', () => {
    const set = compileRuleBook(book, { stores })
    const engine = new DecisionEngine({ rules: () => set, policies: compilePolicies({}), history: new MemoryContactHistory(), channels: () => new Map(), model: new ResponseModel({ random: seededRandom(1) }) })
    const event = { id: 'e', type: 'product.viewed', source: 'web', time: '2026-03-07T10:00:00.000Z', data: { category: 'coats', price: 30_000 } }
    const gold = profileFixture({ traits: { tier: 'gold' }, consent: ['line'], timeZone: 'Asia/Tokyo' })
    const match = (p = gold, at = '2026-03-07T10:00:00Z', data = event.data): string[] => set.match('product.viewed', engine.facts({ ...event, data }, p, Date.parse(at))).map((r) => r.id)
    expect(match()).toEqual(['evening-coat-browsers']) // Saturday 19:00 in Tokyo
    expect(match(gold, '2026-03-07T01:00:00Z')).toEqual([]) // 10:00
    expect(match(gold, '2026-03-08T10:00:00Z')).toEqual([]) // Sunday
    expect(match(gold, undefined, { category: 'coats', price: 200_000 })).toEqual([])
    expect(match(profileFixture({ traits: { tier: 'gold' }, timeZone: 'Asia/Tokyo' }))).toEqual([]) // no consent
    expect(match(profileFixture({ traits: { tier: 'gold', employee: true }, consent: ['push'], timeZone: 'Asia/Tokyo' }))).toEqual([])
  })

  it('vip-near-shibuya: segments by condition and by distance to a store', () => {
    const set = compileRuleBook(book, { stores })
    const engine = new DecisionEngine({ rules: () => set, policies: compilePolicies({}), history: new MemoryContactHistory(), channels: () => new Map(), model: new ResponseModel({ random: seededRandom(1) }) })
    const at = (lat: number, lon: number, tier: string): string[] =>
      set.match('geofence.entered', engine.facts({ id: 'e', type: 'geofence.entered', source: 'app', time: '2026-03-07T10:00:00.000Z', data: {}, location: { lat, lon } }, profileFixture({ traits: { tier } }), 0)).map((r) => r.id)
    expect(at(35.659, 139.7, 'gold')).toEqual(['vip-near-shibuya'])
    expect(at(35.69, 139.7, 'gold')).toEqual([]) // Shinjuku: 3.5 km
    expect(at(35.659, 139.7, 'basic')).toEqual([])
  })

  it('try-on-retargeting, tried-not-bought and insteadIfBought run end to end', async () => {
    const { hub, clock, channels } = await storyHub({ rules: withSale, stores, policies: { moment: '10m' } })
    // The page's price-drop action holds out 10% by customer id (random here): pick one not held out.
    let a = await storyCustomer(hub, 'A', { push: true, line: true })
    for (let i = 0; unitHash(`${(await hub.get(Tokens.IdentityResolver).resolve(a, { create: false }))!}\u0000price-drop-on-tried-item`) < 0.1; i++) {
      a = await storyCustomer(hub, `A${i}`, { push: true, line: true })
    }
    const b = await storyCustomer(hub, 'B', { push: true })
    await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: a, storeId: 'shibuya', data: { sku: 'coat-1' } })
    await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: b, storeId: 'shibuya', data: { sku: 'coat-1' } })
    await hub.drain()
    await clock.advance(30 * 60_000)
    await hub.publish({ type: 'pos.purchased', source: 'pos', identity: b, storeId: 'shibuya', data: { transactionId: 't', items: [{ sku: 'coat-1', quantity: 1, unitPrice: 1 }], total: 1, currency: 'JPY' } })
    await hub.drain()
    await clock.advance(2 * 3_600_000)
    await hub.drain()
    expect(sends(channels)).toEqual([`push:still-thinking:${a.loyaltyId}`])
    await hub.publish({ type: 'catalog.price_changed', source: 'erp', subject: 'coat-1', data: { sku: 'coat-1', oldPrice: 30_000, newPrice: 24_000, currency: 'JPY' } })
    await hub.drain()
    expect(sends(channels)).toEqual([`push:still-thinking:${a.loyaltyId}`, `push:price-drop-on-tried-item:${a.loyaltyId}`])
    const drop = channels.push.sent[1]!.message
    expect([drop.title, drop.url]).toEqual(['試着した商品が値下がりしました', 'https://shop.example.jp/items/coat-1'])
    expect(drop.content?.['line']).toEqual({ text: 'coat-1 が値下がりしました', quickReplies: ['見る', 'あとで'] })
    // insteadIfBought: B bought coat-1, so staff are told to ask how they like it instead.
    await clock.advance(3_600_000)
    await hub.publish({ type: 'product.viewed', source: 'app', identity: b, storeId: 'shibuya', data: { sku: 'coat-1' } })
    await hub.drain()
    expect(channels.staff.sent.map((x) => x.message.title)).toEqual(['Ask how they like coat-1'])
    await hub.stop()
  })

  it('callcenter-nba answers the agent screen', async () => {
    const { hub } = await storyHub({ rules: book, stores })
    const k = await storyCustomer(hub, 'K', {})
    await hub.publish({ type: 'product.viewed', source: 'web', identity: k, data: { sku: 'card-loan' } })
    await hub.drain()
    const answer = await hub.decide({ identity: k, placement: 'callcenter.agent', limit: 2 })
    expect(answer.actions.map((x) => x.actionId)).toEqual(['offer-card-loan', 'offer-savings'])
    expect((await hub.get(Tokens.DecisionLog).list(answer.decision.customerId))[0]?.placement).toBe('callcenter.agent')
    await hub.stop()
  })
})
