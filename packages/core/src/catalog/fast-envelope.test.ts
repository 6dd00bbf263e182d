import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventInputSchema } from '../envelope.js'
import { fastEnvelope } from './fast-envelope.js'

// Values near the edges of every rule: good, bad, and in between.
const text = fc.oneof(fc.constantFrom('', ' ', 'a', ' padded ', 'x'.repeat(200), 'x'.repeat(201), 'L-1001', 'ユーザー'), fc.string({ maxLength: 12 }))
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const time = fc.oneof(
  fc.constantFrom('2026-05-01T09:00:00.000Z', '2026-05-01T18:00:00+09:00', '2026-05-01T18:00:00.123456+09:00', '2026-05-01 18:00', '2026-13-01T00:00:00Z', 'yesterday', '2026-05-01T09:00:00Z'),
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
)
const identity = fc.dictionary(fc.constantFrom('loyaltyId', 'email', 'memberNo', 'bad kind', '9x', 'customerId'), fc.oneof(text, fc.constant(undefined), fc.integer()), { maxKeys: 3 })
const envelope = fc.record(
  {
    id: maybe(text),
    type: fc.constantFrom('store.checked_in', 'page.viewed', 'Bad.Type', 'nodot', 'a.b_c'),
    source: fc.constantFrom('pos', 'web', 'App', 'my-kiosk', '', 'a'.repeat(129)),
    time: maybe(fc.oneof(time, fc.integer() as fc.Arbitrary<unknown>)),
    identity: maybe(fc.oneof(identity, fc.constant(null) as fc.Arbitrary<unknown>)),
    subject: maybe(text),
    storeId: maybe(text),
    location: maybe(fc.record({ lat: fc.double({ min: -100, max: 100 }), lon: fc.double({ min: -200, max: 200 }) })),
    data: maybe(fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }), fc.constant([]) as fc.Arbitrary<unknown>)),
    extra: maybe(fc.constant('unknown field')),
  },
  { requiredKeys: ['type', 'source'] },
)

describe('fastEnvelope', () => {
  it('accepts only what the zod schema accepts, and normalises it the same way', () => {
    fc.assert(
      fc.property(envelope, (input) => {
        const fast = fastEnvelope(input)
        if (fast === undefined) return
        const slow = EventInputSchema.safeParse(input)
        expect(slow.success).toBe(true)
        // Both sides through JSON: it drops undefined keys (as the wire does) and -0 becomes 0 on both.
        if (slow.success) expect(JSON.parse(JSON.stringify(fast))).toEqual(JSON.parse(JSON.stringify(slow.data)))
      }),
      {
        numRuns: 5_000,
        // Once found by CI: -0 survives both paths, so only the comparison must not tell it from 0.
        examples: [[{ type: 'store.checked_in', source: 'pos', location: { lat: -0, lon: 0 } }]],
      },
    )
  })

  it('takes the common case (so the hot path really is hot)', () => {
    const input = { type: 'pos.purchased', source: 'pos', time: '2026-05-01T18:00:00+09:00', identity: { loyaltyId: 'L-1' }, storeId: 's1', data: { total: 1 } }
    expect(fastEnvelope(input)).toEqual({ ...input, time: '2026-05-01T09:00:00.000Z' })
  })
})
