import { describe, expect, it } from 'vitest'
import { compileCondition, distanceMetres, type CompileEnv } from './condition-compiler.js'
import type { Facts } from './facts.js'
import { LazyContext } from './lazy-context.js'
import { profileFixture } from './testing/index.js'

const NOW = Date.parse('2026-03-07T10:30:00Z') // Saturday 19:30 in Tokyo

function env(over: Partial<CompileEnv> = {}): CompileEnv {
  const segments = new Map<string, (f: Facts) => boolean>([['vip', (f) => f.profile?.traits['tier']?.value === 'gold']])
  return {
    computed: { spend90d: () => 120_000 },
    stores: { shibuya: { lat: 35.658, lon: 139.7016 } },
    segmentNames: new Set(['vip', 'loyal']),
    segment: (name) => segments.get(name),
    problems: [],
    stockLookups: [],
    contextKeys: new Set(),
    ...over,
  }
}

function facts(): Facts {
  const context = new LazyContext(NOW, 'Asia/Tokyo')
  context.store = 'shibuya'
  context['weather'] = { rain: true }
  return {
    event: {
      id: 'e1',
      type: 'pos.purchased',
      source: 'pos',
      time: '2026-03-07T10:29:00.000Z',
      storeId: 'shibuya',
      location: { lat: 35.659, lon: 139.7 },
      data: { total: 12_000, currency: 'JPY', name: 'Wool Coat', tags: ['sale', 'winter'], items: [{ sku: 'coat-1' }, { sku: 'hat-2' }], oldPrice: 15_000 },
    },
    profile: profileFixture({
      traits: { tier: 'gold', segments: ['loyal'], age: 34 },
      consent: ['line'],
      unreachable: { push: 'revoked' },
      identifiers: { email: ['a@example.jp'] },
      interests: { 'coat-1': { tried_on: '2026-03-06T10:00:00.000Z' }, 'hat-2': { tried_on: '2026-02-01T00:00:00.000Z', purchased: '2026-02-02T00:00:00.000Z' } },
      answers: [{ surveyId: 's', questionId: 'hotel', answer: 'ok', at: '2026-03-01T00:00:00.000Z', source: 'line' }, { surveyId: 's', questionId: 'hotel', answer: 'bad', at: '2026-03-02T00:00:00.000Z', source: 'line' }],
    }),
    context: context as unknown as Facts['context'],
    stock: new Map([['shibuya\u0000coat-1', { sku: 'coat-1', storeId: 'shibuya', quantity: 3 }]]),
    segmentMemo: new Map(),
  }
}

const cases: Array<[string, Record<string, unknown>, boolean]> = [
  ['literal equality', { 'data.currency': 'JPY' }, true],
  ['eq / ne', { 'data.currency': { eq: 'USD' } }, false],
  ['ne', { 'data.currency': { ne: 'USD' } }, true],
  ['lt with ref', { 'data.total': { lt: { ref: 'data.oldPrice' } } }, true],
  ['gte number', { 'data.total': { gte: 12_000 } }, true],
  ['gt number on a string is false', { 'data.currency': { gt: 1 } }, false],
  ['between', { 'data.total': { between: [10_000, 20_000] } }, true],
  ['between local times wraps midnight', { 'context.localTime': { between: ['18:00', '02:00'] } }, true],
  ['between local times', { 'context.localTime': { between: ['09:00', '18:00'] } }, false],
  ['day of week', { 'context.dayOfWeek': { in: ['sat', 'sun'] } }, true],
  ['local hour', { 'context.localHour': 19 }, true],
  ['in', { 'profile.traits.tier': { in: ['gold', 'platinum'] } }, true],
  ['nin', { 'profile.traits.tier': { nin: ['gold'] } }, false],
  ['in over a wildcard list', { 'data.items.*.sku': { in: ['hat-2'] } }, true],
  ['exists', { 'profile.traits.age': { exists: true } }, true],
  ['exists false on a missing trait', { 'profile.traits.nickname': { exists: false } }, true],
  ['contains in a string', { 'data.name': { contains: 'Coat' } }, true],
  ['contains in a list', { 'data.tags': { contains: 'sale' } }, true],
  ['notContains', { 'data.tags': { notContains: 'sale' } }, false],
  ['startsWith', { 'data.name': { startsWith: 'Wool' } }, true],
  ['endsWith', { 'data.name': { endsWith: 'Hat' } }, false],
  ['matches /re/i', { 'data.name': { matches: '/coat$/i' } }, true],
  ['matches plain', { 'data.name': { matches: '^Coat' } }, false],
  ['hasAny', { 'data.tags': { hasAny: ['new', 'winter'] } }, true],
  ['hasAll', { 'data.tags': { hasAll: ['sale', 'new'] } }, false],
  ['within (recency)', { 'profile.interests.coat-1.tried_on': { within: '2d' } }, true],
  ['olderThan', { 'profile.interests.hat-2.tried_on': { olderThan: '30d' } }, true],
  ['before / after', { 'event.time': { after: '2026-03-07T00:00:00Z', before: { ref: 'profile.interests.coat-1.tried_on' } } }, false],
  ['near a point', { 'event.location': { near: { lat: 35.658, lon: 139.7016, m: 300 } } }, true],
  ['near a store', { 'event.location': { near: { store: 'shibuya', m: 50 } } }, false],
  ['segment by condition', { segment: 'vip' }, true],
  ['segment listed in the segments trait', { segment: { in: ['loyal'] } }, true],
  ['stock at the store', { stock: { item: 'coat-1', store: { ref: 'event.storeId' }, gte: 2 } }, true],
  ['stock unknown is not in stock', { stock: { item: 'hat-2', store: 'shibuya' } }, false],
  ['interest, no purchase since', { interest: { kind: 'tried_on', item: 'coat-1', within: '7d', unless: 'purchased' } }, true],
  ['interest, bought since', { interest: { kind: 'tried_on', item: 'hat-2', unless: 'purchased' } }, false],
  ['consent', { 'profile.consent.line': true, 'profile.reachable.push': false }, true],
  ['latest answer', { 'profile.answers.hotel': 'bad' }, true],
  ['identifiers', { 'profile.identifiers.email': { exists: true } }, true],
  ['computed trait', { 'profile.computed.spend90d': { gt: 100_000 } }, true],
  ['context provider value', { 'context.weather.rain': true }, true],
  ['context store', { 'context.store': 'shibuya' }, true],
  ['all / any / not', { all: [{ 'data.currency': 'JPY' }, { any: [{ 'data.total': 1 }, { not: { 'data.total': 1 } }] }] }, true],
]

describe('compileCondition', () => {
  for (const [name, condition, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      const e = env()
      const predicate = compileCondition(condition, ['if'], e)
      expect(e.problems).toEqual([])
      expect(predicate(facts())).toBe(expected)
    })
  }

  it('collects the stock lookups and context keys a rule needs', () => {
    const e = env()
    compileCondition({ stock: { item: { ref: 'data.items.0.sku' }, store: 'umeda' }, 'context.weather.rain': true, 'context.localHour': 3 }, [], e)
    expect(e.stockLookups).toHaveLength(1)
    expect([...e.contextKeys]).toEqual(['weather'])
  })

  it('measures distances on the sphere', () => {
    // Tokyo station to Shinjuku station: about 6.3 km.
    expect(distanceMetres({ lat: 35.6812, lon: 139.7671 }, { lat: 35.6896, lon: 139.7006 })).toBeGreaterThan(6000)
    expect(distanceMetres({ lat: 35.6812, lon: 139.7671 }, { lat: 35.6896, lon: 139.7006 })).toBeLessThan(6400)
  })

  it('reports each problem with its path', () => {
    const e = env()
    compileCondition({ 'data.a': { lt: [1] }, 'data.b': { between: [1] }, segment: 'ghost', 'event.location': { near: { store: 'nowhere', m: 1 } }, interest: { kind: 'liked' }, stock: { item: 'x', more: 1 } }, ['when', 'if'], e)
    expect(e.problems.map((p) => p.path.join('.'))).toEqual([
      'when.if.data.a.lt',
      'when.if.data.b.between',
      'when.if.segment',
      'when.if.event.location.near',
      'when.if.interest',
      'when.if.stock.more',
    ])
  })
})
