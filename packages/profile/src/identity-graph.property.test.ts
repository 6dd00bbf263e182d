import type { Identity } from '@omotenashi/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { identifierKey } from './identifier-rules.js'
import { MemoryProfileStore } from './memory-profile-store.js'
import { ProfileRules } from './profile-rules.js'
import { mergeProfiles } from './merge.js'
import type { Profile } from './profile.js'

// Property-based tests of identity resolution: whatever order events arrive in, the identity
// graph ends in the same, rule-abiding grouping.

const BLOCKED_DEVICE = 'shared-tablet'
const KINDS = ['anonymousId', 'email', 'loyaltyId', 'memberNo', 'deviceToken'] as const
type Kind = (typeof KINDS)[number]

function valueFor(kind: Kind, person: number, n: number): string {
  switch (kind) {
    case 'email':
      return `p${person}.${n}@example.jp`
    case 'loyaltyId':
      return `L-${person}`
    default:
      return `${kind}-${person}-${n}`
  }
}

/** One person's identifiers: at most one loyalty id (so no event inside a person is forbidden). */
const person = (index: number) =>
  fc
    .record({
      anonymousId: fc.integer({ min: 0, max: 3 }),
      email: fc.integer({ min: 0, max: 2 }),
      loyaltyId: fc.integer({ min: 0, max: 1 }),
      memberNo: fc.integer({ min: 0, max: 1 }),
      deviceToken: fc.integer({ min: 0, max: 2 }),
    })
    .map((counts) => {
      const ids: Array<[Kind, string]> = []
      for (const kind of KINDS) for (let n = 0; n < counts[kind]; n++) ids.push([kind, valueFor(kind, index, n)])
      return ids
    })

/** Events that each carry a subset (one value per kind) of one person's identifiers, sometimes with a blocked shared device. */
const scenario = fc
  .integer({ min: 1, max: 5 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => person(i))))
  .chain((people) => {
    const candidates = people.filter((ids) => ids.length > 0)
    if (candidates.length === 0) return fc.constant({ events: [] as Identity[] })
    const event = fc
      .constantFrom(...candidates)
      .chain((ids) => fc.tuple(fc.subarray(ids, { minLength: 1 }), fc.boolean()))
      .map(([subset, shared]) => {
        const identity: Record<string, string> = {}
        for (const [kind, value] of subset) identity[kind] ??= value
        if (shared) identity['deviceToken'] ??= BLOCKED_DEVICE
        return identity as Identity
      })
    return fc.record({ events: fc.array(event, { minLength: 1, maxLength: 25 }) })
  })
  .chain(({ events }) => {
    const indices = events.map((_, i) => i)
    return fc
      .shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length })
      .map((permutation) => ({ events, order: permutation.map((i) => events[i]!) }))
  })

const unbounded = () =>
  new ProfileRules({
    kinds: {
      anonymousId: { maxPerProfile: 1000 },
      deviceToken: { maxPerProfile: 1000, blocked: [BLOCKED_DEVICE] },
    },
  })

/** Connected components of the identifiers, events linking everything they carry (blocked values excluded). */
function components(events: readonly Identity[]): string[][] {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while (parent.get(root) !== root) root = parent.get(root)!
    parent.set(x, root)
    return root
  }
  for (const identity of events) {
    const keys = Object.entries(identity)
      .filter(([kind, value]) => !(kind === 'deviceToken' && value === BLOCKED_DEVICE))
      .map(([kind, value]) => identifierKey(kind, value as string))
    for (const k of keys) if (!parent.has(k)) parent.set(k, k)
    for (const k of keys.slice(1)) parent.set(find(k), find(keys[0]!))
  }
  const groups = new Map<string, string[]>()
  for (const k of parent.keys()) {
    const root = find(k)
    groups.set(root, [...(groups.get(root) ?? []), k])
  }
  return normalise([...groups.values()])
}

function normalise(groups: string[][]): string[][] {
  return groups.map((g) => [...g].sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
}

/** The grouping the store ended with: identifiers by the profile they resolve to. */
function grouping(store: MemoryProfileStore, keys: Iterable<string>): string[][] {
  const groups = new Map<string, string[]>()
  for (const key of keys) {
    const colon = key.indexOf(':')
    const id = store.resolveNow({ [key.slice(0, colon)]: key.slice(colon + 1) }, { create: false }).profileId
    if (id === undefined) continue
    groups.set(id, [...(groups.get(id) ?? []), key])
  }
  return normalise([...groups.values()])
}

function run(events: readonly Identity[], rules: ProfileRules): MemoryProfileStore {
  const store = new MemoryProfileStore({ rules })
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  events.forEach((identity, i) => store.resolveNow(identity, { at: new Date(t0 + i * 1000).toISOString() }))
  return store
}

async function profilesOf(store: MemoryProfileStore, keys: Iterable<string>): Promise<Profile[]> {
  const ids = new Set<string>()
  for (const key of keys) {
    const colon = key.indexOf(':')
    const id = store.resolveNow({ [key.slice(0, colon)]: key.slice(colon + 1) }, { create: false }).profileId
    if (id !== undefined) ids.add(id)
  }
  return Promise.all([...ids].map(async (id) => (await store.get(id))!))
}

describe('identity graph (property-based)', () => {
  it('groups identifiers into the connected components the rules allow, whatever the order', () => {
    fc.assert(
      fc.property(scenario, ({ events, order }) => {
        const expected = components(events)
        const keys = expected.flat()
        const inOrder = grouping(run(events, unbounded()), keys)
        const shuffled = grouping(run(order, unbounded()), keys)
        expect(inOrder).toEqual(expected)
        expect(shuffled).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps every rule under arbitrary events across people (unique ids, limits, blocked values, one owner per identifier)', async () => {
    const pool = fc.constantFrom(
      ...[0, 1, 2, 3].flatMap((p) => [
        ['loyaltyId', `L-${p}`],
        ['email', `p${p}@example.jp`],
        ['anonymousId', `anon-${p}-a`],
        ['anonymousId', `anon-${p}-b`],
        ['deviceToken', `tok-${p}`],
        ['deviceToken', BLOCKED_DEVICE],
        ['email', 'test@example.com'],
      ] as Array<[string, string]>),
    )
    const events = fc.array(
      fc.uniqueArray(pool, { minLength: 1, maxLength: 4, selector: ([kind]) => kind }).map((pairs) => Object.fromEntries(pairs) as Identity),
      { minLength: 1, maxLength: 30 },
    )
    await fc.assert(
      fc.asyncProperty(events, async (list) => {
        const rules = new ProfileRules({ kinds: { anonymousId: { maxPerProfile: 2 }, deviceToken: { blocked: [BLOCKED_DEVICE] } } })
        const store = run(list, rules)
        const keys = new Set(components(list).flat())
        const profiles = await profilesOf(store, keys)
        const owners = new Map<string, string>()
        for (const p of profiles) {
          expect((p.identifiers['loyaltyId'] ?? []).length).toBeLessThanOrEqual(1)
          expect((p.identifiers['anonymousId'] ?? []).length).toBeLessThanOrEqual(2)
          expect(p.identifiers['deviceToken']?.some((r) => r.value === BLOCKED_DEVICE) ?? false).toBe(false)
          expect(p.identifiers['email']?.some((r) => r.value === 'test@example.com') ?? false).toBe(false)
          for (const [kind, records] of Object.entries(p.identifiers)) {
            for (const r of records) {
              const key = identifierKey(kind, r.value)
              expect(owners.has(key), `${key} on two profiles`).toBe(false)
              owners.set(key, p.id)
              expect(store.resolveNow({ [kind]: r.value }, { create: false }).profileId).toBe(p.id)
            }
          }
        }
        // Never merges what no event linked: each profile lies inside one connected component.
        const componentOf = new Map<string, number>()
        components(list).forEach((group, i) => group.forEach((k) => componentOf.set(k, i)))
        for (const p of profiles) {
          const held = Object.entries(p.identifiers).flatMap(([kind, records]) => records.map((r) => componentOf.get(identifierKey(kind, r.value))))
          expect(new Set(held).size).toBeLessThanOrEqual(1)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('merges to the same profile whatever order the merged profiles are given in', () => {
    const rules = new ProfileRules()
    // A narrow range of instants so ties (equal times) are common: they must resolve the same way too.
    const stamp = fc.integer({ min: 0, max: 4 }).map((m) => new Date(Date.parse('2026-01-01T00:00:00Z') + m * 60_000).toISOString())
    const profile = fc.record({ id: fc.uuid(), created: stamp, traits: fc.dictionary(fc.constantFrom('tier', 'size', 'color'), fc.tuple(fc.string(), stamp)), tried: fc.dictionary(fc.constantFrom('A', 'B', 'C'), stamp), anon: fc.uniqueArray(fc.constantFrom('x', 'y', 'z', 'w'), { maxLength: 3 }), activity: fc.array(fc.record({ type: fc.constantFrom('a.b', 'c.d'), at: stamp, value: fc.integer({ min: 0, max: 3 }), storeId: fc.constantFrom('s1', 's2') }), { maxLength: 4 }) })
    fc.assert(
      fc.property(fc.array(profile, { minLength: 2, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), (raw, rotate) => {
        const profiles: Profile[] = raw.map((r) => ({
          id: r.id,
          version: 1,
          createdAt: r.created,
          updatedAt: r.created,
          identifiers: r.anon.length > 0 ? { anonymousId: r.anon.map((value) => ({ value, firstSeen: r.created, lastSeen: r.created })) } : {},
          traits: Object.fromEntries(Object.entries(r.traits).map(([k, [value, at]]) => [k, { value, source: 'web', at }])),
          consent: {},
          reachability: {},
          interests: Object.fromEntries(Object.entries(r.tried).map(([sku, at]) => [sku, { tried_on: at }])),
          answers: [],
          activity: [...r.activity].sort((x, y) => Date.parse(x.at) - Date.parse(y.at)),
          mergedFrom: [],
        }))
        const [survivor, ...others] = profiles as [Profile, ...Profile[]]
        const rotated = others.map((_, i) => others[(i + rotate) % others.length]!)
        const a = mergeProfiles(survivor, others, '2026-02-01T00:00:00.000Z', rules).profile
        const b = mergeProfiles(survivor, [...rotated].reverse(), '2026-02-01T00:00:00.000Z', rules).profile
        expect(b).toEqual(a)
      }),
      { numRuns: 200 },
    )
  })
})
