import type { OmoEvent } from '@omotenashi/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createProfile } from './merge.js'
import type { Profile } from './profile.js'
import { packProfile, unpackProfile } from './profile-codec.js'
import { ProfileRules } from './profile-rules.js'
import { applyEventOnce } from './reducer.js'

const rules = new ProfileRules()
const T0 = Date.parse('2026-05-01T00:00:00Z')

const eventArb = fc
  .record({
    kind: fc.constantFrom('product.viewed', 'pos.purchased', 'consent.changed', 'line.unfollowed', 'survey.answered', 'profile.traits_updated', 'push.token_registered', 'my.custom_event', 'message.failed'),
    minute: fc.integer({ min: -100, max: 100_000 }),
    sku: fc.constantFrom('A', 'B', 'ＳＫＵ-日本', 'x"y'),
    store: fc.option(fc.constantFrom('shibuya', 'umeda'), { nil: undefined }),
    source: fc.constantFrom('web', 'pos', 'my-kiosk'),
    value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
    total: fc.double({ min: 0, max: 1e7, noNaN: true }),
  })
  .map(({ kind, minute, sku, store, source, value, total }, ): OmoEvent => {
    const data: Record<string, unknown> =
      kind === 'pos.purchased'
        ? { transactionId: 't', items: [{ sku, quantity: 1, unitPrice: total }], total, currency: 'JPY' }
        : kind === 'consent.changed'
          ? { channel: 'email', purpose: sku, granted: total > 5e6 }
          : kind === 'survey.answered'
            ? { surveyId: 's', questionId: sku, answer: typeof value === 'string' ? value : 'ok' }
            : kind === 'profile.traits_updated'
              ? { traits: { [sku]: value, timeZone: 'Asia/Tokyo' } }
              : kind === 'push.token_registered'
                ? { token: `tok-${sku}`, platform: 'ios' }
                : kind === 'message.failed'
                  ? { channel: 'sms', permanent: true, reason: 'x' }
                  : { sku, price: total }
    return { id: `e-${minute}-${kind}`, type: kind, source, time: new Date(T0 + minute * 60_000).toISOString(), identity: {}, data, ...(store ? { storeId: store } : {}) }
  })

describe('packProfile / unpackProfile', () => {
  it('round-trips any profile the reducer builds', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        let p: Profile = createProfile('c-1', new Date(T0).toISOString(), rules)
        p = { ...p, identifiers: { email: [{ value: 'a@example.jp', firstSeen: p.createdAt, lastSeen: p.createdAt }], memberNo: [{ value: 'M1', firstSeen: p.createdAt, lastSeen: p.createdAt }] } }
        for (const e of events) p = applyEventOnce(p, e, rules).profile
        expect(unpackProfile(packProfile(p))).toEqual(p)
      }),
      { numRuns: 200 },
    )
  })

  it('keeps instants that are not canonical UTC strings as they are, and is smaller than JSON', () => {
    const p: Profile = {
      ...createProfile('c-2', '2026-05-01T09:00:00+09:00', rules),
      updatedAt: '2026-05-01T00:00:00.000Z',
      traits: { nickname: { value: 'Hana', source: 'app', at: '2026-05-01T00:00:00.123456Z' } },
      mergedFrom: ['old-1'],
      answers: [{ surveyId: 's', questionId: 'q', answer: ['a', 'b'], at: '2026-05-01T00:00:00.000Z', source: 'line' }],
    }
    expect(unpackProfile(packProfile(p))).toEqual(p)
    let big: Profile = createProfile('0f8fad5b-d9cb-469f-a165-70867728950e', new Date(T0).toISOString(), rules)
    for (let i = 0; i < 9; i++) {
      big = applyEventOnce(big, { id: crypto.randomUUID(), type: 'product.viewed', source: 'web', time: new Date(T0 + i * 1000).toISOString(), identity: {}, data: { sku: `SKU-${i % 3}`, price: 1200 } }, rules).profile
    }
    expect(packProfile(big).length).toBeLessThan(JSON.stringify(big).length / 2)
    expect(unpackProfile(packProfile(big))).toEqual(big)
    // Ids that merely look like the packed form survive too.
    const odd = { ...p, appliedEventIds: ['~', '~~x', `~${'A'.repeat(22)}`, 'E3B0C442-98FC-1C14-9AFB-F4C8996FB924', crypto.randomUUID()] }
    expect(unpackProfile(packProfile(odd))).toEqual(odd)
  })
})

describe('packed event ids', () => {
  const withIds = (ids: string[]): Profile => ({ ...createProfile('p', '2026-05-01T00:00:00.000Z', rules), appliedEventIds: ids })

  it('round-trips any id, UUIDs in 23 characters as base64url of their bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uuid(), fc.string(), fc.constantFrom('~', '~~x', 'D8F50732-253E-4BA9-A556-13BF4A61610F', 'g8f50732-253e-4ba9-a556-13bf4a61610f')), { maxLength: 8 }), (ids) => {
        expect(unpackProfile(packProfile(withIds(ids))).appliedEventIds).toEqual(ids)
      }),
    )
    const uuid = 'd8f50732-253e-4ba9-a556-13bf4a61610f'
    const packed = JSON.parse(packProfile(withIds([uuid]))) as unknown[]
    expect(packed.at(-1)).toEqual([`~${Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url')}`])
  })
})
