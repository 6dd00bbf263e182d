// The generated functions must mean exactly what the closures mean: random conditions over
// random facts (missing values, nulls, lists, wrong types) give the same answer both ways,
// alone and written out together in a rule list.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileCondition, compileConditionClosure, type CompileEnv } from './condition-compiler.js'
import type { Facts } from './facts.js'
import { LazyContext } from './lazy-context.js'
import { ruleBook } from './rule-book.js'
import { compileRuleBook } from './rule-set.js'
import { profileFixture } from './testing/index.js'

const env = (): CompileEnv => ({ computed: {}, stores: {}, segmentNames: new Set(), segment: () => undefined, problems: [], stockLookups: [], contextKeys: new Set() })
const value = fc.oneof(fc.constantFrom('a', 'b', '', 'A'), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null), fc.array(fc.constantFrom('a', 'b', 1), { maxLength: 3 }))
const path = fc.constantFrom('data.x', 'data.y', 'data.nested.z', 'event.storeId', 'profile.traits.tier', 'context.store', 'data.missing')
const literal = fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null))
const test = fc.oneof(
  literal,
  fc.record({ eq: literal }),
  fc.record({ ne: literal }),
  fc.record({ lt: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ gte: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ in: fc.array(literal, { maxLength: 10 }) }),
  fc.record({ nin: fc.array(literal, { maxLength: 3 }) }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ contains: fc.constantFrom('a', 1) }),
)
const leaf = fc.tuple(path, test).map(([p, t]) => ({ [p]: t }))
const condition: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ not: tie('node') })),
})).node as fc.Arbitrary<Record<string, unknown>>

const facts = fc.record({ x: value, y: value, z: value, store: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), tier: value }).map(
  (v): Facts => {
    const context = new LazyContext(0, 'Asia/Tokyo')
    if (v.store !== undefined) context.store = v.store
    return {
      event: { id: 'e', type: 'page.viewed', source: 'web', time: '2026-01-01T00:00:00.000Z', data: { x: v.x, y: v.y, nested: { z: v.z } }, ...(v.store === undefined ? {} : { storeId: v.store }) },
      profile: profileFixture({ traits: { tier: v.tier } }),
      context: context as unknown as Facts['context'],
      stock: new Map(),
    }
  },
)

describe('property: generated code ≡ closures', () => {
  it('each condition alone', () => {
    fc.assert(
      fc.property(condition, facts, (c, f) => {
        const generated = compileCondition(c, [], env())
        const closure = compileConditionClosure(c, [], env())
        expect(generated(f)).toBe(closure(f))
      }),
      { numRuns: 1000 },
    )
  })

  it('conditions written out together in a rule list', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 12 }), facts, (conditions, f) => {
        const set = compileRuleBook(ruleBook({ actions: [{ id: 'a' }], rules: conditions.map((c, i) => ({ id: `r${i}`, when: { event: 'page.viewed', if: c }, do: { action: 'a' } })) }))
        const expected = conditions.flatMap((c, i) => (compileConditionClosure(c, [], env())(f) ? [`r${i}`] : []))
        expect(set.match('page.viewed', f).map((r) => r.id)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})
