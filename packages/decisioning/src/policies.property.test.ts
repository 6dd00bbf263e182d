// Property-based tests of the contact policies: whatever the customers, their time zones, the
// daylight-saving changes and the order of events, no channel is used without consent and
// reachability, and caps and quiet hours hold in each customer's own local time.
import { seededRandom, Tokens, type ChannelCapabilities, type EventInput } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryContactHistory } from './contact-history.js'
import { DecisionEngine, eventFacts } from './engine.js'
import { compilePolicies } from './policies.js'
import { ResponseModel } from './response-model.js'
import { ruleBook } from './rule-book.js'
import { compileRuleBook } from './rule-set.js'
import { lineIdOf, storyHub } from './test-support.js'
import { profileFixture } from './testing/index.js'

const CHANNELS: Record<string, ChannelCapabilities> = {
  push: { addressKind: 'deviceToken' },
  line: { addressKind: 'lineUserId' },
  email: { addressKind: 'email' },
  inbox: {},
  sms: { addressKind: 'phone' },
}
const ADDRESS: Record<string, string> = { push: 'deviceToken', line: 'lineUserId', email: 'email', sms: 'phone' }

describe('property: channel choice never ignores consent or reachability', () => {
  const channelState = fc.record({
    consent: fc.constantFrom<'granted' | 'denied' | 'absent' | 'purpose-only' | 'other-purpose'>('granted', 'denied', 'absent', 'purpose-only', 'other-purpose'),
    reachable: fc.constantFrom<boolean | undefined>(true, false, undefined),
    address: fc.boolean(),
  })

  it('plans only channels with consent for the purpose, not unreachable, with an address', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('push', 'line', 'email', 'inbox', 'sms', 'fax'), channelState),
        fc.shuffledSubarray(['push', 'line', 'email', 'inbox', 'sms', 'fax'], { minLength: 1 }),
        fc.constantFrom('marketing', 'service'),
        async (states, wanted, purpose) => {
          const at = '2026-01-01T00:00:00.000Z'
          const profile: Profile = profileFixture({ timeZone: 'Asia/Tokyo' })
          for (const [channel, s] of Object.entries(states)) {
            if (s.consent === 'granted') profile.consent[channel] = { '*': { granted: true, source: 't', at } }
            if (s.consent === 'denied') profile.consent[channel] = { '*': { granted: false, source: 't', at } }
            if (s.consent === 'purpose-only') profile.consent[channel] = { [purpose]: { granted: true, source: 't', at }, '*': { granted: false, source: 't', at } }
            if (s.consent === 'other-purpose') profile.consent[channel] = { other: { granted: true, source: 't', at } }
            if (s.reachable !== undefined) profile.reachability[channel] = { reachable: s.reachable, at }
            const kind = ADDRESS[channel]
            if (kind && s.address) profile.identifiers[kind] = [{ value: `${kind}-1`, firstSeen: at, lastSeen: at }]
          }
          const set = compileRuleBook(ruleBook({ actions: [{ id: 'a', channels: wanted, purpose }], rules: [{ id: 'r', when: { event: 'page.viewed' }, do: { action: 'a' } }] }))
          const engine = new DecisionEngine({
            rules: () => set,
            policies: compilePolicies({}),
            history: new MemoryContactHistory(),
            channels: () => new Map(Object.entries(CHANNELS)),
            model: new ResponseModel({ random: seededRandom(1) }),
          })
          const facts = engine.facts({ id: 'e1', type: 'page.viewed', source: 'web', time: at, data: {} }, profile, Date.parse(at) + 12 * 3_600_000)
          const { decision } = await engine.decide({ customerId: 'c-1', facts, decisionId: 'd', trigger: 'page.viewed', proposals: set.rules.map((rule) => ({ rule, actionId: 'a' })), mode: 'push' })
          for (const action of decision.actions) {
            expect(action.channels.length).toBeGreaterThan(0)
            for (const channel of action.channels) {
              const s = states[channel]
              expect(CHANNELS[channel], channel).toBeDefined()
              expect(s?.consent === 'granted' || s?.consent === 'purpose-only', `${channel} consent`).toBe(true)
              expect(s?.reachable, `${channel} reachable`).not.toBe(false)
              if (ADDRESS[channel]) expect(s?.address, `${channel} address`).toBe(true)
            }
          }
          // And when a channel qualifies, it is not silently dropped.
          const usable = wanted.filter((ch) => CHANNELS[ch] && (states[ch]?.consent === 'granted' || states[ch]?.consent === 'purpose-only') && states[ch]?.reachable !== false && (!ADDRESS[ch] || states[ch]?.address))
          expect(decision.actions[0]?.channels ?? []).toEqual(usable)
        },
      ),
      { numRuns: 300 },
    )
  })
})

/** Local date, hour and minute of an instant in a zone, by Intl (independent of the engine's luxon). */
function localParts(at: number, zone: string): { date: string; minutes: number; week: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  )
  const date = `${parts['year']}-${parts['month']}-${parts['day']}`
  const day = new Date(`${date}T00:00:00Z`)
  const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000)
  return { date, minutes: Number(parts['hour']) * 60 + Number(parts['minute']), week: monday.toISOString().slice(0, 10) }
}

const ZONES = ['Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Los_Angeles', 'Pacific/Auckland', 'Asia/Kolkata'] as const
// Around the 2026 daylight-saving changes: US 8 Mar, EU 29 Mar, AU/NZ 5 Apr, and US 1 Nov.
const STARTS = ['2026-03-06T00:00:00Z', '2026-03-27T00:00:00Z', '2026-04-03T00:00:00Z', '2026-10-30T00:00:00Z'] as const

describe('property: caps and quiet hours hold in local time across zones and DST changes', () => {
  it('never exceeds caps per local day/week and per channel, never sends in local quiet hours', async () => {
    const customer = fc.record({
      zone: fc.constantFrom(...ZONES),
      push: fc.boolean(),
      line: fc.boolean(),
      email: fc.boolean(),
    })
    const event = fc.record({
      who: fc.nat({ max: 2 }),
      minute: fc.integer({ min: 0, max: 6 * 24 * 60 }),
      kind: fc.constantFrom('geofence.entered', 'store.checked_in', 'page.viewed', 'optout'),
      channel: fc.constantFrom('push', 'line', 'email'),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(customer, { minLength: 3, maxLength: 3 }), fc.array(event, { minLength: 1, maxLength: 40 }), fc.constantFrom(...STARTS), async (customers, events, start) => {
        const { hub, clock, channels } = await storyHub(
          {
            actions: [
              { id: 'nudge', channels: ['push', 'line', 'email'], quietHours: 'defer' },
              { id: 'welcome', channels: ['line', 'push'], quietHours: 'drop' },
              { id: 'content', channels: ['email', 'push'], quietHours: 'defer', cooldown: '1h' },
            ],
            rules: [
              { id: 'r1', when: { event: 'geofence.entered' }, do: { action: 'nudge' } },
              { id: 'r2', when: { event: 'store.checked_in' }, do: { action: 'welcome' } },
              { id: 'r3', when: { event: 'page.viewed' }, do: { actions: ['content', 'nudge'] } },
            ],
            policies: { caps: { overall: { day: 2, week: 5 }, perChannel: { push: { day: 1 } } }, quietHours: { from: '21:00', to: '08:00' }, moment: '20m' },
          },
          start,
        )
        const ids: string[] = []
        const optedOut = new Map<string, number>() // `${who}:${channel}` → the channel's send count at the opt-out
        for (const [i, c] of customers.entries()) {
          const identity = { loyaltyId: `P${i}` }
          const setup: EventInput[] = [{ type: 'profile.traits_updated', source: 'system', identity, data: { traits: { timeZone: c.zone } } }]
          if (c.push) setup.push({ type: 'push.token_registered', source: 'app', identity, data: { token: `t${i}`, platform: 'ios' } }, { type: 'consent.changed', source: 'app', identity, data: { channel: 'push', granted: true } })
          if (c.line) setup.push({ type: 'line.followed', source: 'line', identity: { ...identity, lineUserId: lineIdOf(`P${i}`) }, data: {} })
          if (c.email) setup.push({ type: 'identity.linked', source: 'web', identity: { ...identity, email: `p${i}@example.jp` }, data: {} }, { type: 'consent.changed', source: 'web', identity, data: { channel: 'email', granted: true } })
          for (const e of setup) await hub.publish(e)
          await hub.drain()
          ids.push((await hub.get(Tokens.IdentityResolver).resolve(identity, { create: false }))!)
        }
        const t0 = clock.now()
        for (const e of [...events].sort((a, b) => a.minute - b.minute)) {
          await clock.advanceTo(t0 + e.minute * 60_000)
          const identity = { loyaltyId: `P${e.who}` }
          if (e.kind === 'optout') {
            await hub.publish({ type: 'consent.changed', source: 'app', identity, data: { channel: e.channel, granted: false } })
            // Remember how many sends the channel had made when the opt-out came in: any later
            // send (by order, not by time: several events share a virtual minute) breaks the rule.
            if (!optedOut.has(`${e.who}:${e.channel}`)) optedOut.set(`${e.who}:${e.channel}`, channels[e.channel as keyof typeof channels].sent.length)
          } else {
            await hub.publish({ type: e.kind, source: 'app', identity, storeId: 'shibuya', data: e.kind === 'geofence.entered' ? { geofenceId: 'g' } : {} })
          }
          await hub.drain()
        }
        await clock.advance(3 * 86_400_000) // let deferred sends fire
        await hub.drain()
        await hub.stop()

        const perDay = new Map<string, number>()
        const perWeek = new Map<string, number>()
        for (const [channelId, channel] of Object.entries(channels)) {
          for (const [index, send] of channel.sent.entries()) {
            const who = ids.indexOf(send.recipient.customerId)
            expect(who).toBeGreaterThanOrEqual(0)
            const c = customers[who]!
            const local = localParts(send.at, c.zone)
            expect(local.minutes >= 21 * 60 || local.minutes < 8 * 60, `${channelId} send at ${new Date(send.at).toISOString()} is ${local.minutes} min local in ${c.zone}`).toBe(false)
            expect(c[channelId as 'push' | 'line' | 'email'], `${channelId} without consent`).toBe(true)
            const out = optedOut.get(`${who}:${channelId}`)
            expect(out === undefined || index < out, `${channelId} used after opt-out`).toBe(true)
            for (const [map, key] of [[perDay, `${who}:${local.date}`], [perWeek, `${who}:${local.week}`], [perDay, `${who}:${channelId}:${local.date}`]] as const) map.set(key, (map.get(key) ?? 0) + 1)
          }
        }
        for (const [key, n] of perDay) expect(n, key).toBeLessThanOrEqual(key.includes(':push:') ? 1 : 2)
        for (const [key, n] of perWeek) expect(n, key).toBeLessThanOrEqual(5)
      }),
      {
        numRuns: 25,
        // Once found by CI: a send and an opt-out in the same virtual minute, the send first.
        examples: [
          [
            [
              { zone: 'Asia/Tokyo', push: false, line: false, email: false },
              { zone: 'Asia/Tokyo', push: false, line: false, email: false },
              { zone: 'Asia/Tokyo', push: true, line: false, email: false },
            ],
            [
              { who: 2, minute: 8, kind: 'geofence.entered', channel: 'push' },
              { who: 2, minute: 8, kind: 'optout', channel: 'push' },
              { who: 0, minute: 0, kind: 'geofence.entered', channel: 'push' },
            ],
            '2026-03-06T00:00:00Z',
          ],
        ],
      },
    )
  }, 120_000)
})

describe('property: the engine is deterministic for a seed', () => {
  it('same facts, same seed → same decision', async () => {
    const set = compileRuleBook(ruleBook({ actions: [{ id: 'a', channels: ['inbox'] }, { id: 'b', channels: ['inbox'], value: 1.2 }], rules: [{ id: 'r', when: { event: 'page.viewed' }, do: { actions: ['a', 'b'] } }] }))
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const run = async (): Promise<string> => {
          const engine = new DecisionEngine({ rules: () => set, policies: compilePolicies({}), history: new MemoryContactHistory(), channels: () => new Map([['inbox', {}]]), model: new ResponseModel({ random: seededRandom(seed) }) })
          const profile = profileFixture({ consent: ['inbox'] })
          const facts = engine.facts(eventFacts({ id: 'e', type: 'page.viewed', source: 'web', time: '2026-01-01T03:00:00.000Z', identity: {}, data: {} }), profile, Date.parse('2026-01-01T03:00:00Z'))
          const { decision } = await engine.decide({ customerId: 'c', facts, decisionId: 'd', trigger: 'page.viewed', proposals: set.rules[0]!.actions.map((actionId) => ({ rule: set.rules[0]!, actionId })), mode: 'push' })
          return JSON.stringify(decision)
        }
        expect(await run()).toBe(await run())
      }),
      { numRuns: 50 },
    )
  })
})
