import { OmotenashiError, ValidationError, type Identity, type OmoEvent } from '@omotenashi/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Profile } from '../profile.js'
import type { ProfileRules } from '../profile-rules.js'
import type { InterestQuery, ProfileStore, ResolveResult } from '../profile-store.js'
import { CONTRACT_SHARED_TABLET, contractRules } from './contract-rules.js'

/** What the contract suite hands to `makeStore`: build the store with these rules. */
export interface ProfileStoreContractSetup {
  /** The rules the suite's expectations assume ({@link contractRules}). Pass them to the store. */
  readonly rules: ProfileRules
}

/** What `makeStore` returns: a store ready to use (the suite calls `init` if present) and how to clean up. */
export interface ProfileStoreUnderTest {
  readonly store: ProfileStore
  readonly cleanup?: () => Promise<void>
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z')

/** An ISO instant `minutes` after the suite's epoch. */
function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString()
}

let seq = 0

/** A normalised event as the hub would hand it to a store. */
function ev(type: string, data: Record<string, unknown> = {}, extra: Partial<Omit<OmoEvent, 'type' | 'data'>> = {}): OmoEvent {
  seq++
  return { id: `evt-${seq}-${Math.random().toString(36).slice(2, 8)}`, type, source: 'web', time: at(seq % 1000), identity: {}, data, ...extra }
}

function uniq(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`
}

function lineId(): string {
  let hex = ''
  while (hex.length < 32) hex += Math.floor(Math.random() * 16).toString(16)
  return `U${hex}`
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const id of iterable) out.push(id)
  return out.sort()
}

function values(profile: Profile | undefined, kind: string): string[] {
  return (profile?.identifiers[kind] ?? []).map((r) => r.value).sort()
}

async function must(store: ProfileStore, identity: Identity, when: string): Promise<string> {
  const result = await store.resolve(identity, { at: when })
  expect(result.profileId).toBeTypeOf('string')
  return result.profileId!
}

/**
 * The behaviour every {@link ProfileStore} must have. Run it from a test file:
 *
 * ```ts
 * describeProfileStoreContract('postgres', async ({ rules }) => {
 *   const store = new PostgresProfileStore({ pool, schema: 'test_profiles_1', rules })
 *   return { store, cleanup: () => dropSchema('test_profiles_1') }
 * })
 * ```
 *
 * `makeStore` is called before every test and must return an empty store built with the `rules`
 * it is given; `cleanup` runs after every test. The suite calls `init()` and `destroy()` itself.
 */
export function describeProfileStoreContract(
  name: string,
  makeStore: (setup: ProfileStoreContractSetup) => Promise<ProfileStoreUnderTest>,
): void {
  describe(`ProfileStore contract: ${name}`, () => {
    let store: ProfileStore
    let cleanup: (() => Promise<void>) | undefined

    beforeEach(async () => {
      const made = await makeStore({ rules: contractRules() })
      store = made.store
      cleanup = made.cleanup
      await store.init?.()
    })

    afterEach(async () => {
      await store.destroy?.()
      await cleanup?.()
    })

    describe('resolve', () => {
      it('creates a profile for unknown identifiers and finds it again', async () => {
        const email = `${uniq('a')}@example.jp`
        const first = await store.resolve({ email }, { at: at(1) })
        expect(first).toMatchObject({ created: true, merges: [], refused: [] })
        expect(first.profileId).toBeTypeOf('string')
        const again = await store.resolve({ email }, { at: at(2) })
        expect(again).toMatchObject({ profileId: first.profileId, created: false, merges: [] })
        const profile = await store.get(first.profileId!)
        expect(profile?.id).toBe(first.profileId)
        expect(values(profile, 'email')).toEqual([email])
        expect(profile?.createdAt).toBe(at(1))
      })

      it('normalises emails and phone numbers before matching', async () => {
        const local = uniq('Hanako')
        const id = await must(store, { email: `  ${local}@Example.JP ` }, at(1))
        expect(await must(store, { email: `${local.toLowerCase()}@example.jp` }, at(2))).toBe(id)
        const byPhone = await must(store, { phone: '03-1234-5678', email: `${local}@example.jp` }, at(3))
        expect(byPhone).toBe(id)
        expect(await must(store, { phone: '+81 3 1234 5678' }, at(4))).toBe(id)
        const profile = await store.get(id)
        expect(values(profile, 'email')).toEqual([`${local.toLowerCase()}@example.jp`])
        expect(values(profile, 'phone')).toEqual(['+81312345678'])
      })

      it('refuses malformed identifiers with a ValidationError naming the kind, creating nothing', async () => {
        const loyaltyId = uniq('L')
        for (const [identity, path] of [
          [{ loyaltyId, email: 'not-an-email' }, 'identity.email'],
          [{ loyaltyId, phone: '12' }, 'identity.phone'],
          [{ loyaltyId, lineUserId: 'U123' }, 'identity.lineUserId'],
          [{ loyaltyId, memberNo: 'X-1' }, 'identity.memberNo'],
        ] as const) {
          const error = await store.resolve(identity, { at: at(1) }).catch((e: unknown) => e)
          expect(error).toBeInstanceOf(ValidationError)
          expect((error as ValidationError).issues.map((i) => i.path)).toEqual([path])
        }
        expect((await store.resolve({ loyaltyId }, { create: false })).profileId).toBeUndefined()
      })

      it('accepts custom kinds through their schema and LINE user ids', async () => {
        const line = lineId()
        const id = await must(store, { memberNo: 'M1234', lineUserId: line }, at(1))
        expect(await must(store, { memberNo: ' M1234 ' }, at(2))).toBe(id)
        expect(values(await store.get(id), 'lineUserId')).toEqual([line])
      })

      it('links new identifiers seen with a known one', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('b')}@example.jp`
        const id = await must(store, { anonymousId }, at(1))
        const linked = await store.resolve({ anonymousId, email }, { at: at(2) })
        expect(linked).toMatchObject({ profileId: id, created: false, merges: [], refused: [] })
        expect(await must(store, { email }, at(3))).toBe(id)
        const profile = await store.get(id)
        expect(values(profile, 'email')).toEqual([email])
        expect(profile?.identifiers['anonymousId']?.[0]).toMatchObject({ value: anonymousId, firstSeen: at(1), lastSeen: at(2) })
      })

      it('with create: false only looks up: creates, links and merges nothing', async () => {
        const email = `${uniq('c')}@example.jp`
        expect(await store.resolve({ email }, { create: false })).toMatchObject({ profileId: undefined, created: false })
        expect(await store.resolve({ email }, { create: false })).toMatchObject({ profileId: undefined })
        const id = await must(store, { email }, at(1))
        const phone = '+81312340000'
        expect((await store.resolve({ email, phone }, { create: false })).profileId).toBe(id)
        expect((await store.resolve({ phone }, { create: false })).profileId).toBeUndefined()
      })

      it('creates a profile under a customerId it is given and links identifiers to it', async () => {
        const customerId = uniq('C')
        const created = await store.resolve({ customerId }, { at: at(1) })
        expect(created).toMatchObject({ profileId: customerId, created: true })
        const email = `${uniq('d')}@example.jp`
        expect(await must(store, { customerId, email }, at(2))).toBe(customerId)
        expect(await must(store, { email }, at(3))).toBe(customerId)
      })

      it('a known customerId with identifiers it already holds writes only when a lastSeen moves', async () => {
        const customerId = uniq('C')
        const email = `${uniq('k')}@example.jp`
        await must(store, { customerId, email }, at(1))
        const start = (await store.get(customerId))!.version
        // The customer id alone, and with its own email within the granularity: nothing to write.
        expect(await store.resolve({ customerId }, { at: at(1) })).toEqual({ profileId: customerId, created: false, merges: [], refused: [] })
        expect(await must(store, { customerId, email }, at(1))).toBe(customerId)
        expect((await store.get(customerId))!.version).toBe(start)
        // Seen again minutes later: lastSeen moves, one version, still no merge or link.
        expect(await store.resolve({ customerId, email }, { at: at(5) })).toEqual({ profileId: customerId, created: false, merges: [], refused: [] })
        const after = (await store.get(customerId))!
        expect(after.version).toBe(start + 1)
        expect(after.identifiers['email']?.[0]).toMatchObject({ value: email, firstSeen: at(1), lastSeen: at(5) })
        // An email another profile holds is no longer "its own": the planner merges as before.
        const other = `${uniq('k2')}@example.jp`
        const otherId = await must(store, { email: other }, at(6))
        const linked = await store.resolve({ customerId, email: other }, { at: at(7) })
        expect(linked.profileId).toBe(customerId)
        expect(linked.merges).toEqual([expect.objectContaining({ survivorId: customerId, mergedIds: [otherId] })])
      })

      it('keeps one profile when an anonymous visitor signs in: the new customerId becomes its other name', async () => {
        const anonymousId = uniq('anon')
        const customerId = uniq('web-u')
        const anonymous = await must(store, { anonymousId }, at(1))
        expect(await must(store, { customerId, anonymousId }, at(2))).toBe(anonymous)
        // The customer id alone, later (a server-side event, a pull decision), finds the same person.
        expect((await store.resolve({ customerId }, { create: false })).profileId).toBe(anonymous)
        expect(await must(store, { customerId }, at(3))).toBe(anonymous)
        expect((await store.get(customerId))?.id).toBe(anonymous)
        // Erasing the person removes that name too.
        await store.eraseCustomer(customerId)
        expect(await store.get(anonymous)).toBeUndefined()
        expect((await store.resolve({ customerId }, { create: false })).profileId).toBeUndefined()
      })
    })

    describe('merges', () => {
      it('merges two profiles an event links, keeping the one with the higher-priority identifier', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('e')}@example.jp`
        const anonymous = await must(store, { anonymousId }, at(1))
        const known = await must(store, { email }, at(2))
        expect(anonymous).not.toBe(known)
        const result = await store.resolve({ anonymousId, email }, { at: at(3) })
        // email (priority 70) beats anonymousId (10) although the anonymous profile is older.
        expect(result.profileId).toBe(known)
        expect(result.merges).toEqual([{ survivorId: known, mergedIds: [anonymous], reason: expect.any(String) }])
        expect((await store.get(anonymous))?.id).toBe(known)
        expect(await must(store, { anonymousId }, at(4))).toBe(known)
        const survivor = await store.get(known)
        expect(survivor?.mergedFrom).toEqual([anonymous])
        expect(values(survivor, 'anonymousId')).toEqual([anonymousId])
        expect(survivor?.createdAt).toBe(at(1))
      })

      it('keeps the older profile when both rank the same, whatever the order', async () => {
        for (const order of [0, 1]) {
          const a = uniq('kiosk')
          const b = uniq('card')
          const older = await must(store, order === 0 ? { kioskId: a } : { cardNo: b }, at(1))
          const newer = await must(store, order === 0 ? { cardNo: b } : { kioskId: a }, at(2))
          const result = await store.resolve({ kioskId: a, cardNo: b }, { at: at(3) })
          expect(result.profileId).toBe(older)
          expect(result.merges[0]?.mergedIds).toEqual([newer])
        }
      })

      it('combines traits, consent, interests, answers, activity and identifiers deterministically', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('f')}@example.jp`
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(1))
        const sku = uniq('SKU')
        await store.apply(a, ev('profile.traits_updated', { traits: { tier: 'gold', size: 'M' } }, { time: at(10) }))
        await store.apply(b, ev('profile.traits_updated', { traits: { tier: 'silver' } }, { time: at(5) }))
        await store.apply(a, ev('consent.changed', { channel: 'email', granted: false }, { time: at(6) }))
        await store.apply(b, ev('consent.changed', { channel: 'email', granted: true }, { time: at(8) }))
        await store.apply(b, ev('consent.changed', { channel: 'line', purpose: 'marketing', granted: true }, { time: at(2) }))
        await store.apply(a, ev('fitting_room.tried_on', { sku }, { time: at(3), storeId: 'shibuya' }))
        await store.apply(b, ev('fitting_room.tried_on', { sku }, { time: at(7), storeId: 'umeda' }))
        await store.apply(a, ev('survey.answered', { surveyId: 's1', questionId: 'q1', answer: 'good' }, { time: at(4) }))
        await store.apply(b, ev('survey.answered', { surveyId: 's1', questionId: 'q2', answer: 3 }, { time: at(9) }))
        const merged = await store.resolve({ email, anonymousId }, { at: at(20) })
        expect(merged.profileId).toBe(b)
        const p = (await store.get(b))!
        expect(p.traits['tier']).toMatchObject({ value: 'gold', at: at(10) })
        expect(p.traits['size']).toMatchObject({ value: 'M' })
        expect(p.consent['email']?.['*']).toMatchObject({ granted: true, at: at(8) })
        expect(p.consent['line']?.['marketing']).toMatchObject({ granted: true })
        expect(p.interests[sku]?.tried_on).toBe(at(7))
        expect(p.answers.map((x) => `${x.questionId}@${x.at}`)).toEqual([`q1@${at(4)}`, `q2@${at(9)}`])
        expect(p.activity.map((x) => x.at)).toEqual([...p.activity.map((x) => x.at)].sort())
        expect(p.activity).toHaveLength(9)
        expect(values(p, 'email')).toEqual([email])
        expect(values(p, 'anonymousId')).toEqual([anonymousId])
      })

      it('two resolutions racing to link the same profiles merge them once', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('g')}@example.jp`
        const phone = '+81312349999'
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(2))
        const c = await must(store, { phone: phone }, at(3))
        const results: ResolveResult[] = await Promise.all([
          store.resolve({ anonymousId, email }, { at: at(4) }),
          store.resolve({ email, anonymousId }, { at: at(4) }),
          store.resolve({ phone, email }, { at: at(5) }),
          store.resolve({ anonymousId, phone }, { at: at(6) }),
        ])
        const ids = new Set(results.map((r) => r.profileId))
        expect(ids.size).toBe(1)
        const survivor = [...ids][0]!
        expect(survivor).toBe(b)
        const mergedAway = results.flatMap((r) => r.merges.flatMap((m) => m.mergedIds)).sort()
        expect(mergedAway).toEqual([a, c].sort())
        for (const id of [a, b, c]) expect((await store.get(id))?.id).toBe(survivor)
        expect((await store.get(survivor))?.mergedFrom.sort()).toEqual([a, c].sort())
      })

      it('loses no event applied while a merge races with it', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('h')}@example.jp`
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(1))
        const skus = Array.from({ length: 20 }, (_, i) => `${uniq('S')}-${i}`)
        await Promise.all([
          ...skus.slice(0, 10).map((sku, i) => store.apply(a, ev('product.viewed', { sku }, { time: at(10 + i) }))),
          store.resolve({ anonymousId, email }, { at: at(30) }),
          ...skus.slice(10).map((sku, i) => store.apply(b, ev('product.viewed', { sku }, { time: at(20 + i) }))),
        ])
        const p = (await store.get(a))!
        expect(p.id).toBe(b)
        expect(Object.keys(p.interests).sort()).toEqual([...skus].sort())
        expect(p.activity).toHaveLength(20)
      })
    })

    describe('rules', () => {
      it('never merges two profiles with different loyalty ids, and reports the refusal', async () => {
        const email = `${uniq('i')}@example.jp`
        const phone = '+81312341111'
        const one = await must(store, { loyaltyId: uniq('L'), email }, at(1))
        const two = await must(store, { loyaltyId: uniq('L'), phone }, at(2))
        const twoBefore = structuredClone(await store.get(two))
        const result = await store.resolve({ email, phone }, { at: at(3) })
        // email outranks phone: the event belongs with the email's profile; the phone stays where it is.
        expect(result.profileId).toBe(one)
        expect(result.merges).toEqual([])
        expect(result.refused).toEqual([{ kind: 'phone', value: phone, reason: expect.stringContaining('loyaltyId') }])
        expect(await store.get(two)).toEqual(twoBefore)
        expect(values(await store.get(one), 'phone')).toEqual([])
        expect(await must(store, { phone }, at(4))).toBe(two)
      })

      it('refuses a second value of a unique kind and never applies a forbidden merge half-way', async () => {
        const loyaltyId = uniq('L')
        const anonymousId = uniq('anon')
        const email = `${uniq('j')}@example.jp`
        const one = await must(store, { loyaltyId, anonymousId }, at(1))
        const two = await must(store, { loyaltyId: uniq('L'), email }, at(2))
        const oneBefore = structuredClone(await store.get(one))
        const twoBefore = structuredClone(await store.get(two))
        // A new card with a known cookie: the card wins (higher priority) and gets its own profile.
        const otherCard = uniq('L')
        const result = await store.resolve({ loyaltyId: otherCard, anonymousId }, { at: at(3) })
        expect(result.created).toBe(true)
        expect(result.profileId).not.toBe(one)
        expect(result.refused).toEqual([{ kind: 'anonymousId', value: anonymousId, reason: expect.stringContaining('loyaltyId') }])
        expect(values(await store.get(one), 'anonymousId')).toEqual([anonymousId])
        // A forbidden merge among several links: the allowed part applies, the forbidden part not at all.
        const phone = '+81312342222'
        const mixed = await store.resolve({ loyaltyId, email, phone }, { at: at(4) })
        expect(mixed.profileId).toBe(one)
        expect(mixed.merges).toEqual([])
        expect(mixed.refused.map((r) => r.kind)).toEqual(['email'])
        expect(await store.get(two)).toEqual(twoBefore)
        const oneAfter = await store.get(one)
        expect(values(oneAfter, 'phone')).toEqual([phone])
        expect(values(oneAfter, 'email')).toEqual([])
        expect(values(oneAfter, 'loyaltyId')).toEqual(values(oneBefore, 'loyaltyId'))
        expect(await must(store, { email }, at(5))).toBe(two)
      })

      it('keeps at most N anonymous ids per profile, dropping (and unlinking) the least recently seen', async () => {
        const loyaltyId = uniq('L')
        const anon = [0, 1, 2, 3].map((i) => uniq(`anon${i}`))
        const id = await must(store, { loyaltyId, anonymousId: anon[0]! }, at(1))
        for (const [i, a] of anon.entries()) if (i > 0) expect(await must(store, { loyaltyId, anonymousId: a }, at(1 + i))).toBe(id)
        expect(values(await store.get(id), 'anonymousId')).toEqual(anon.slice(1).sort())
        expect((await store.resolve({ anonymousId: anon[0]! }, { create: false })).profileId).toBeUndefined()
        const fresh = await must(store, { anonymousId: anon[0]! }, at(10))
        expect(fresh).not.toBe(id)
      })

      it('applies the limits when a merge unites more identifiers than allowed', async () => {
        const email = `${uniq('k')}@example.jp`
        const phone = '+81312343333'
        const a = [uniq('a1'), uniq('a2')]
        const b = [uniq('b1'), uniq('b2')]
        const one = await must(store, { email, anonymousId: a[0]! }, at(1))
        await must(store, { email, anonymousId: a[1]! }, at(2))
        const two = await must(store, { phone, anonymousId: b[0]! }, at(3))
        await must(store, { phone, anonymousId: b[1]! }, at(4))
        expect(await must(store, { email, phone }, at(5))).toBe(one)
        expect(values(await store.get(one), 'anonymousId')).toEqual([a[1]!, b[0]!, b[1]!].sort())
        expect((await store.resolve({ anonymousId: a[0]! }, { create: false })).profileId).toBeUndefined()
        expect((await store.get(two))?.id).toBe(one)
      })

      it('never links blocked values (shared devices, test addresses)', async () => {
        const e1 = `${uniq('l')}@example.jp`
        const e2 = `${uniq('m')}@example.jp`
        const r1 = await store.resolve({ anonymousId: CONTRACT_SHARED_TABLET, email: e1 }, { at: at(1) })
        const r2 = await store.resolve({ anonymousId: CONTRACT_SHARED_TABLET, email: e2 }, { at: at(2) })
        expect(r1.profileId).not.toBe(r2.profileId)
        expect(r1.refused).toEqual([{ kind: 'anonymousId', value: CONTRACT_SHARED_TABLET, reason: expect.stringContaining('blocked') }])
        expect(values(await store.get(r1.profileId!), 'anonymousId')).toEqual([])
        const alone = await store.resolve({ anonymousId: CONTRACT_SHARED_TABLET }, { at: at(3) })
        expect(alone.profileId).toBeUndefined()
        expect(alone.refused).toHaveLength(1)
        const loyaltyId = uniq('L')
        const test = await store.resolve({ loyaltyId, email: 'TEST@example.com' }, { at: at(4) })
        expect(test.refused.map((r) => r.kind)).toEqual(['email'])
        const other = await store.resolve({ loyaltyId: uniq('L'), email: 'test@example.com' }, { at: at(5) })
        expect(other.profileId).not.toBe(test.profileId)
      })
    })

    describe('apply', () => {
      it('applies an event once: the same event id twice changes nothing', async () => {
        const id = await must(store, { email: `${uniq('n')}@example.jp` }, at(1))
        const v0 = (await store.get(id))!.version
        const event = ev('store.checked_in', {}, { storeId: 'shibuya', time: at(5) })
        const first = await store.apply(id, event)
        expect(first.applied).toBe(true)
        expect(first.profile.version).toBe(v0 + 1)
        expect(first.profile.activity).toEqual([{ type: 'store.checked_in', at: at(5), storeId: 'shibuya' }])
        const second = await store.apply(id, event)
        expect(second.applied).toBe(false)
        expect(second.profile.version).toBe(v0 + 1)
        expect((await store.get(id))?.activity).toHaveLength(1)
      })

      it('loses nothing when many events are applied to one profile in parallel', async () => {
        const id = await must(store, { email: `${uniq('o')}@example.jp` }, at(1))
        const v0 = (await store.get(id))!.version
        const skus = Array.from({ length: 40 }, (_, i) => `${uniq('P')}-${i}`)
        const events = skus.map((sku, i) => ev('cart.item_added', { sku, quantity: 1, price: 1000 }, { time: at(100 + i) }))
        const results = await Promise.all(events.map((e) => store.apply(id, e)))
        expect(results.every((r) => r.applied)).toBe(true)
        const again = await Promise.all(events.slice(0, 5).map((e) => store.apply(id, e)))
        expect(again.every((r) => !r.applied)).toBe(true)
        const p = (await store.get(id))!
        expect(p.version).toBe(v0 + 40)
        expect(Object.keys(p.interests).sort()).toEqual([...skus].sort())
        expect(p.activity).toHaveLength(40)
        expect(p.activity.reduce((sum, a) => sum + (a.value ?? 0), 0)).toBe(40_000)
      })

      it('follows merges: an event for a merged-away id lands on the survivor', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('p')}@example.jp`
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(2))
        await store.resolve({ anonymousId, email }, { at: at(3) })
        const result = await store.apply(a, ev('page.viewed', { path: '/' }, { time: at(4) }))
        expect(result.profile.id).toBe(b)
        expect((await store.get(b))?.activity.map((x) => x.type)).toEqual(['page.viewed'])
      })

      it('rejects an event for a customer it does not know', async () => {
        await expect(store.apply(uniq('nobody'), ev('page.viewed'))).rejects.toBeInstanceOf(OmotenashiError)
      })

      it('tracks consent and reachability (LINE, unreachable recipients, reachability events)', async () => {
        const line = lineId()
        const id = await must(store, { lineUserId: line }, at(1))
        await store.apply(id, ev('line.followed', {}, { source: 'line', time: at(2) }))
        let p = (await store.get(id))!
        expect(p.consent['line']?.['*']).toMatchObject({ granted: true, source: 'line' })
        expect(p.reachability['line']).toMatchObject({ reachable: true })
        await store.apply(id, ev('line.unfollowed', {}, { source: 'line', time: at(3) }))
        await store.apply(id, ev('consent.changed', { channel: 'email', purpose: 'marketing', granted: true }, { time: at(4) }))
        await store.apply(id, ev('message.failed', { channel: 'email', permanent: true, unreachable: true, reason: 'bounced' }, { source: 'email', time: at(5) }))
        await store.apply(id, ev('message.failed', { channel: 'sms', permanent: false }, { time: at(5) }))
        // A refused message (bad content) says nothing about the customer: reachability stays.
        await store.apply(id, ev('message.failed', { channel: 'push', permanent: true, reason: 'payload too large' }, { time: at(5) }))
        await store.apply(id, ev('channel.reachability_changed', { channel: 'kiosk', reachable: false, reason: 'device retired' }, { time: at(5) }))
        p = (await store.get(id))!
        expect(p.consent['line']?.['*']?.granted).toBe(false)
        expect(p.reachability['line']).toMatchObject({ reachable: false })
        expect(p.consent['email']?.['marketing']).toMatchObject({ granted: true })
        expect(p.reachability['email']).toMatchObject({ reachable: false, reason: 'bounced' })
        expect(p.reachability['sms']).toBeUndefined()
        expect(p.reachability['push']).toBeUndefined()
        expect(p.reachability['kiosk']).toMatchObject({ reachable: false, reason: 'device retired' })
        // An older event arriving late does not overwrite newer consent.
        await store.apply(id, ev('consent.changed', { channel: 'email', purpose: 'marketing', granted: false }, { time: at(0) }))
        expect((await store.get(id))?.consent['email']?.['marketing']?.granted).toBe(true)
      })

      it('links registered push tokens and unlinks revoked ones', async () => {
        const id = await must(store, { email: `${uniq('q')}@example.jp` }, at(1))
        const token = uniq('tok')
        await store.apply(id, ev('push.token_registered', { token, platform: 'ios' }, { time: at(2) }))
        let p = (await store.get(id))!
        expect(values(p, 'deviceToken')).toEqual([token])
        expect(p.reachability['push']).toMatchObject({ reachable: true })
        expect((await store.resolve({ deviceToken: token }, { create: false })).profileId).toBe(id)
        await store.apply(id, ev('push.token_revoked', { token }, { time: at(3) }))
        p = (await store.get(id))!
        expect(values(p, 'deviceToken')).toEqual([])
        expect(p.reachability['push']).toMatchObject({ reachable: false })
        expect((await store.resolve({ deviceToken: token }, { create: false })).profileId).toBeUndefined()
      })

      it('does not take a push token another person holds: applying an event never merges', async () => {
        const a = await must(store, { email: `${uniq('holder')}@example.jp` }, at(1))
        const b = await must(store, { email: `${uniq('taker')}@example.jp` }, at(1))
        const token = uniq('tok')
        await store.apply(a, ev('push.token_registered', { token, platform: 'ios' }, { time: at(2) }))
        const result = await store.apply(b, ev('push.token_registered', { token, platform: 'android' }, { time: at(3) }))
        expect(result.applied).toBe(true)
        expect(values(result.profile, 'deviceToken')).toEqual([])
        expect(values((await store.get(b))!, 'deviceToken')).toEqual([])
        expect(values((await store.get(a))!, 'deviceToken')).toEqual([token])
        expect((await store.resolve({ deviceToken: token }, { create: false })).profileId).toBe(a)
      })

      it('keeps zero-party answers, traits, time zone and locale', async () => {
        const id = await must(store, { email: `${uniq('r')}@example.jp` }, at(1))
        const answer = ev('survey.answered', { surveyId: 'visit', questionId: 'hotel', question: 'How was the hotel?', answer: 'disappointing' }, { source: 'line', time: at(2), storeId: 'resort' })
        await store.apply(id, answer)
        await store.apply(id, ev('profile.traits_updated', { traits: { timeZone: 'Asia/Tokyo', locale: 'ja-JP', tier: 'vip' } }, { source: 'app', time: at(3) }))
        const p = (await store.get(id))!
        expect(p.answers).toEqual([
          { surveyId: 'visit', questionId: 'hotel', question: 'How was the hotel?', answer: 'disappointing', at: at(2), source: 'line', storeId: 'resort' },
        ])
        expect(p.timeZone).toBe('Asia/Tokyo')
        expect(p.locale).toBe('ja-JP')
        expect(p.traits['tier']).toEqual({ value: 'vip', source: 'app', at: at(3) })
      })
    })

    describe('interest index', () => {
      it('finds who tried an item on within a window and has not bought it since', async () => {
        const sku = uniq('COAT')
        const other = uniq('HAT')
        const ids: string[] = []
        for (let i = 0; i < 5; i++) ids.push(await must(store, { email: `${uniq(`s${i}`)}@example.jp` }, at(1)))
        const [tried, bought, boughtBefore, old, viewer] = ids as [string, string, string, string, string]
        await store.apply(tried, ev('fitting_room.tried_on', { sku }, { time: at(50), storeId: 'shibuya' }))
        await store.apply(bought, ev('fitting_room.tried_on', { sku }, { time: at(50), storeId: 'shibuya' }))
        await store.apply(bought, ev('order.placed', { orderId: uniq('o'), items: [{ sku, quantity: 1, unitPrice: 20000 }], total: 20000, currency: 'JPY' }, { time: at(60) }))
        await store.apply(boughtBefore, ev('pos.purchased', { transactionId: uniq('t'), items: [{ sku, quantity: 1, unitPrice: 20000 }], total: 20000, currency: 'JPY' }, { time: at(40), storeId: 'umeda' }))
        await store.apply(boughtBefore, ev('fitting_room.tried_on', { sku }, { time: at(55), storeId: 'umeda' }))
        await store.apply(old, ev('fitting_room.tried_on', { sku }, { time: at(5), storeId: 'shibuya' }))
        await store.apply(viewer, ev('product.viewed', { sku }, { time: at(50) }))
        await store.apply(viewer, ev('fitting_room.tried_on', { sku: other }, { time: at(50), storeId: 'shibuya' }))
        const q: InterestQuery = { kind: 'tried_on', sku }
        expect(await collect(store.findByInterest(q))).toEqual([tried, bought, boughtBefore, old].sort())
        expect(await collect(store.findByInterest({ ...q, since: at(30) }))).toEqual([tried, bought, boughtBefore].sort())
        expect(await collect(store.findByInterest({ ...q, since: at(30), unless: 'purchased' }))).toEqual([tried, boughtBefore].sort())
        expect(await collect(store.findByInterest({ kind: 'viewed', sku }))).toEqual([viewer])
        expect(await collect(store.findByInterest({ kind: 'purchased', sku }))).toEqual([bought, boughtBefore].sort())
        expect(await collect(store.findByInterest({ kind: 'tried_on', sku: uniq('NONE') }))).toEqual([])
      })

      it('streams: a consumer may stop early', async () => {
        const sku = uniq('TEE')
        for (let i = 0; i < 30; i++) {
          const id = await must(store, { email: `${uniq(`t${i}`)}@example.jp` }, at(1))
          await store.apply(id, ev('cart.item_added', { sku, quantity: 1 }, { time: at(10) }))
        }
        const iterable = store.findByInterest({ kind: 'carted', sku })
        expect(typeof iterable[Symbol.asyncIterator]).toBe('function')
        const firstFew: string[] = []
        for await (const id of iterable) {
          firstFew.push(id)
          if (firstFew.length === 3) break
        }
        expect(firstFew).toHaveLength(3)
        expect(await collect(store.findByInterest({ kind: 'carted', sku }))).toHaveLength(30)
      })

      it('lists a merged person once, under the survivor', async () => {
        const sku = uniq('BAG')
        const anonymousId = uniq('anon')
        const email = `${uniq('u')}@example.jp`
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(1))
        await store.apply(a, ev('fitting_room.tried_on', { sku }, { time: at(2), storeId: 'shibuya' }))
        await store.apply(b, ev('fitting_room.tried_on', { sku }, { time: at(3), storeId: 'shibuya' }))
        await store.resolve({ anonymousId, email }, { at: at(4) })
        expect(await collect(store.findByInterest({ kind: 'tried_on', sku }))).toEqual([b])
      })

      it('refuses a malformed query', async () => {
        const bad = { kind: 'smelled', sku: 'X' } as unknown as InterestQuery
        await expect(collect(store.findByInterest(bad))).rejects.toBeInstanceOf(ValidationError)
      })
    })

    describe('export and erasure', () => {
      it('exports everything about a person', async () => {
        const email = `${uniq('v')}@example.jp`
        const id = await must(store, { email, loyaltyId: uniq('L') }, at(1))
        await store.apply(id, ev('profile.traits_updated', { traits: { tier: 'gold' } }, { time: at(2) }))
        const exported = await store.export(id)
        expect(exported?.profile.id).toBe(id)
        expect(values(exported?.profile, 'email')).toEqual([email])
        expect(exported?.profile.traits['tier']?.value).toBe('gold')
        expect(Number.isNaN(Date.parse(exported!.exportedAt))).toBe(false)
        expect(await store.export(uniq('nobody'))).toBeUndefined()
      })

      it('erases a person everywhere: profile, identifiers, merged ids and interest index', async () => {
        const anonymousId = uniq('anon')
        const email = `${uniq('w')}@example.jp`
        const sku = uniq('SCARF')
        const a = await must(store, { anonymousId }, at(1))
        const b = await must(store, { email }, at(1))
        await store.apply(a, ev('fitting_room.tried_on', { sku }, { time: at(2), storeId: 'shibuya' }))
        await store.resolve({ anonymousId, email }, { at: at(3) })
        const keep = await must(store, { email: `${uniq('x')}@example.jp` }, at(1))
        await store.apply(keep, ev('fitting_room.tried_on', { sku }, { time: at(2), storeId: 'shibuya' }))
        const removed = await store.eraseCustomer(a)
        expect(removed).toBeGreaterThanOrEqual(3)
        expect(await store.get(b)).toBeUndefined()
        expect(await store.get(a)).toBeUndefined()
        expect(await store.export(b)).toBeUndefined()
        expect((await store.resolve({ email }, { create: false })).profileId).toBeUndefined()
        expect((await store.resolve({ anonymousId }, { create: false })).profileId).toBeUndefined()
        expect(await collect(store.findByInterest({ kind: 'tried_on', sku }))).toEqual([keep])
        expect(await store.eraseCustomer(b)).toBe(0)
        const again = await store.resolve({ email }, { at: at(10) })
        expect(again.created).toBe(true)
        expect(again.profileId).not.toBe(b)
        expect((await store.get(again.profileId!))?.interests).toEqual({})
        expect((await store.get(keep))?.id).toBe(keep)
      })
    })

    describe('versions', () => {
      it('increments the version by one per change and never on a duplicate', async () => {
        const id = await must(store, { email: `${uniq('y')}@example.jp` }, at(1))
        const start = (await store.get(id))!.version
        expect(start).toBeGreaterThanOrEqual(1)
        const e1 = ev('page.viewed', {}, { time: at(2) })
        await store.apply(id, e1)
        await store.apply(id, ev('page.viewed', {}, { time: at(3) }))
        await store.apply(id, e1)
        expect((await store.get(id))!.version).toBe(start + 2)
      })
    })
  })
}
