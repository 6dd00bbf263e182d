import { Tokens } from '@omotenashi/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkGuide } from './check-snippets.js'
import { aDecision, customer, decisionsHub, optOut, policiesAtWork, timers } from './snippets/concepts-decisions.js'
import { badEvent, identity, modelHub, readProfile } from './snippets/concepts-model.js'

describe('docs: concepts', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('quotes every snippet exactly, and every code block is a snippet this test runs', () => {
    const report = checkGuide('concepts')
    expect(report.unexecuted.map((f) => `line ${f.line}: ${f.body.slice(0, 60)}`)).toEqual([])
    expect(report.unquoted).toEqual([])
  })

  it('events: a bad one is refused whole with every problem; custom types are accepted once registered', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const hub = await modelHub()
    const issues = await badEvent(hub)
    expect(issues.map((i) => i.path).sort()).toEqual(['data.currency', 'data.items', 'data.total', 'data.transactionId', 'storeId'])
    expect(log.mock.calls[0]![0]).toContain('storeId: a pos.purchased event must name the store')
    await hub.publish({ type: 'kiosk.tapped', source: 'my-kiosk', identity: { loyaltyId: 'L-1001' }, data: { kioskId: 'k-1' } })
    await expect(hub.publish({ type: 'kiosk.tapped', source: 'my-kiosk', identity: { loyaltyId: 'L-1001' }, data: {} })).rejects.toThrow(/kioskId/)
    await hub.drain()
    expect(await hub.deadLetters()).toEqual([])
    await hub.stop()
  })

  it('identity and profiles: three identifiers, one merged customer, a profile built from events', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const hub = await modelHub()
    const merged = await identity(hub)
    expect(log).toHaveBeenLastCalledWith(true)
    expect(merged.mergedFrom).toHaveLength(1) // the anonymous web profile was merged in
    log.mockClear()
    const profile = await readProfile(hub)
    expect(profile.id).toBe(merged.id)
    expect(log.mock.calls).toEqual([['Aiko'], [['loyaltyId', 'anonymousId', 'lineUserId']], [{ viewed: '2026-03-02T01:00:00.000Z' }], [true, true]])
    await hub.stop()
  })

  it('decisions, policies, channels and timers do what the page says', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const { hub, clock, push, line } = await decisionsHub()
    const aiko = await customer(hub, 'L-1001')
    const decision = await aDecision(hub, aiko)
    expect(log.mock.calls[0]![0]).toEqual(['coat-offer: won 1', 'store-coupon: eligible 0.5'])
    expect(log.mock.calls[1]![0]).toEqual(['coat-offer via push → line'])
    expect(String(log.mock.calls[2]![0])).toMatch(/WON coat-offer score 1: rule near-store@1/)
    expect(decision.candidates.find((c) => c.actionId === 'store-coupon')?.reasons.join(' ')).toMatch(/lost to coat-offer/)
    expect(push.sent.map((s) => s.message.title)).toEqual(['Coats: 10% off today'])

    const [night, hourLater] = await policiesAtWork(hub, clock, aiko)
    expect(line.sent.map((s) => s.message.title)).toEqual(['A coupon for umeda']) // push capped: LINE
    expect(hourLater!.candidates.find((c) => c.actionId === 'coat-offer')).toMatchObject({ status: 'blocked', policy: 'cooldown' })
    expect(night!.candidates.find((c) => c.actionId === 'store-coupon')).toMatchObject({ status: 'deferred', policy: 'quiet_hours' })
    await clock.advanceTo('2026-03-03T23:00:01Z') // 08:00 in Tokyo
    await hub.drain()
    expect(push.sent.map((s) => [s.message.title, new Date(s.at).toISOString()])).toEqual([
      ['Coats: 10% off today', '2026-03-02T01:00:00.000Z'],
      ['A coupon for shibuya', '2026-03-03T23:00:00.000Z'],
    ])

    const ren = await customer(hub, 'L-2002')
    const before = push.sent.length
    await timers(hub, clock, ren)
    expect(push.sent.slice(before).map((s) => s.message.url)).toEqual(['https://shop.example.jp/items/SCARF-2'])

    const onLine = line.sent.length
    await optOut(hub, clock, ren)
    expect(line.sent.slice(onLine).map((s) => s.recipient.identifiers['loyaltyId']?.[0])).toEqual(['L-2002'])
    const renId = await hub.get(Tokens.IdentityResolver).resolve(ren, { create: false })
    const [last] = await hub.get(Tokens.DecisionLog).list(renId!, { limit: 1 })
    expect(last!.actions[0]!.channels).toEqual(['line'])
    await hub.stop()
  })
})
