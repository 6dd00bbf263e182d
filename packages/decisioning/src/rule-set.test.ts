import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ref, rule } from './builder.js'
import type { Facts } from './facts.js'
import { LazyContext } from './lazy-context.js'
import { parseRules } from './load-rules.js'
import { mergeRuleBooks, ruleBook } from './rule-book.js'
import { compileRuleBook } from './rule-set.js'

function facts(data: Record<string, unknown>, type = 'product.viewed'): Facts {
  return { event: { id: 'e', type, source: 'web', time: '2026-01-01T00:00:00.000Z', data }, profile: undefined, context: new LazyContext(0, 'Asia/Tokyo') as unknown as Facts['context'], stock: new Map(), segmentMemo: new Map() }
}

describe('RuleSet', () => {
  it('indexes by trigger and by the most shared equality, and matches exactly what a scan would', () => {
    const ruleArb = fc.record({
      category: fc.option(fc.constantFrom('coats', 'bags', 'shoes', 'hats'), { nil: undefined }),
      minPrice: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      trigger: fc.constantFrom('product.viewed', 'cart.item_added'),
    })
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 60 }), fc.constantFrom('coats', 'bags', 'socks'), fc.integer({ min: 0, max: 100 }), (specs, category, price) => {
        const rules = specs.map((s, i) => ({
          id: `r${i}`,
          when: { event: s.trigger, if: { ...(s.category === undefined ? {} : { 'data.category': s.category }), ...(s.minPrice === undefined ? {} : { 'data.price': { gte: s.minPrice } }) } },
          do: { action: 'a' },
        }))
        const set = compileRuleBook(ruleBook({ rules, actions: [{ id: 'a', channels: ['inbox'] }] }))
        const f = facts({ category, price })
        const expected = specs.flatMap((s, i) => (s.trigger === 'product.viewed' && (s.category === undefined || s.category === category) && (s.minPrice === undefined || price >= s.minPrice) ? [`r${i}`] : []))
        expect(set.match('product.viewed', f).map((r) => r.id)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it('the TypeScript builder compiles to the same rules as YAML', () => {
    const yaml = parseRules(`
id: price-drop
version: 2
when:
  event: catalog.price_changed
  if: { data.newPrice: { lt: { ref: data.oldPrice } } }
audience: { interest: tried_on, item: { ref: data.sku }, within: 30d, unless: purchased }
do: { action: a, channels: [push, line], quietHours: defer }
`)
    const built = rule('price-drop')
      .version(2)
      .on('catalog.price_changed')
      .if({ 'data.newPrice': { lt: ref('data.oldPrice') } })
      .audience({ interest: 'tried_on', item: ref('data.sku'), within: '30d', unless: 'purchased' })
      .do('a', { channels: ['push', 'line'], quietHours: 'defer' })
    expect(built.toJSON()).toEqual(yaml.rules[0]!.spec)
  })

  it('the builder adds TypeScript predicates', () => {
    const built = rule('code').on('product.viewed').if({ 'data.price': { gt: 10 } }).where((f) => String(f.event.data['sku']).startsWith('A-')).do('a')
    const set = compileRuleBook(ruleBook({ rules: [built.toJSON()], actions: [{ id: 'a' }] }))
    expect(set.match('product.viewed', facts({ price: 20, sku: 'A-1' })).map((r) => r.id)).toEqual(['code'])
    expect(set.match('product.viewed', facts({ price: 20, sku: 'B-1' }))).toEqual([])
    expect(set.match('product.viewed', facts({ price: 5, sku: 'A-1' }))).toEqual([])
  })

  it('disabled rules never fire; placements are their own triggers', () => {
    const set = compileRuleBook(mergeRuleBooks(ruleBook({ actions: [{ id: 'a' }] }), parseRules(`
- { id: off, enabled: false, when: { event: page.viewed }, do: { action: a } }
- { id: hero, when: { placement: [web.home_hero, app.home] }, do: { action: a } }
`)))
    expect(set.match('page.viewed', facts({}))).toEqual([])
    expect(set.triggers().sort()).toEqual(['page.viewed', 'placement:app.home', 'placement:web.home_hero'])
  })
})
