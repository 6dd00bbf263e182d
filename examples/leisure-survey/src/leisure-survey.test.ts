// The leisure story end to end: a visit → the 18:00-local LINE question through lineChannel to
// the local LINE server (contract-checked) → a signed postback back through the webhook → the
// answer on the profile → a later offer that uses it; late or stale visits are not asked about.
import { playEvents, readEventFile, Tokens } from '@omotenashi/core'
import { LineTokens } from '@omotenashi/channel-line'
import { lineEvents } from '@omotenashi/channel-line/testing'
import { ProfileTokens, type Profile } from '@omotenashi/profile'
import { afterEach, describe, expect, it } from 'vitest'
import { FIXTURES, guestLineIds, readAnswers } from './fixtures.js'
import { createExampleHub, type LeisureHub } from './hub.js'
import { follow, lastQuestion, tap } from './line-guest.js'

const EVENING = Date.parse('2026-07-15T09:00:00Z') // 18:00 JST

describe('example: asking at the right moment (leisure survey over LINE)', () => {
  let leisure: LeisureHub | undefined
  afterEach(async () => {
    await leisure?.stop()
  })

  async function visitDay(): Promise<{ l: LeisureHub; hana: string; tom: string; jiro: string }> {
    const l = (leisure = await createExampleHub())
    const [hana, tom, jiro] = await guestLineIds()
    await playEvents(l.hub, l.clock, await readEventFile(FIXTURES.guests))
    expect(await follow(l, [hana!, tom!, jiro!])).toBe(200)
    await playEvents(l.hub, l.clock, await readEventFile(FIXTURES.visits))
    return { l, hana: hana!, tom: tom!, jiro: jiro! }
  }

  async function profileOf(l: LeisureHub, lineUserId: string): Promise<Profile> {
    const id = (await l.hub.get(Tokens.IdentityResolver).resolve({ lineUserId }, { create: false }))!
    return (await l.hub.get(ProfileTokens.ProfileStore).get(id))!
  }

  it('asks at 18:00 in the guest\'s time zone, in their language, with quick replies; not before', async () => {
    const { l, hana, tom } = await visitDay()
    // The visit fixtures run to 19:30 JST; the questions went out at 18:00 exactly.
    const pushes = l.line.deliveries.filter((d) => d.endpoint === 'push')
    expect(pushes.map((d) => d.to).sort()).toEqual([hana, tom].sort())
    expect(l.line.requests.filter((r) => r.path === '/v2/bot/message/push').length).toBe(2)
    const sentAt = (await l.hub.get(Tokens.DecisionLog).list((await profileOf(l, hana)).id)).find((d) => d.actions.some((a) => a.actionId === 'how-was-today'))!.at
    expect(Date.parse(sentAt)).toBe(EVENING)
    const ja = lastQuestion(l, hana)!
    expect(ja.text).toBe('今日はいかがでしたか？')
    expect(ja.quickReply!.items.map((i) => i.action.label)).toEqual(['よかった', 'ホテルが残念', '混んでいた'])
    expect(lastQuestion(l, tom)!.text).toBe('How was today?')
    expect(l.line.violations()).toEqual([])
  })

  it('a signed postback puts the answer on the profile, once; a forged one is refused', async () => {
    const { l, hana, tom, jiro } = await visitDay()
    expect(await tap(l, hana, 'ホテルが残念')).toBe(200)
    expect((await profileOf(l, hana)).answers.map((a) => [a.surveyId, a.questionId, a.answer, a.source])).toEqual([['visit', 'how', 'hotel_bad', 'line']])
    // Tom taps "Great", and LINE delivers that webhook event twice (same webhookEventId).
    const great = lastQuestion(l, tom)!.quickReply!.items.find((i) => i.action.label === 'Great')!.action.data!
    const tomTap = lineEvents.postback({ userId: tom, data: great, id: '01JTOMTAPSGREAT00000000000', timestamp: l.clock.now() })
    expect(await l.postWebhook([tomTap])).toBe(200)
    expect(await l.postWebhook([{ ...tomTap, deliveryContext: { isRedelivery: true } }])).toBe(200)
    expect(l.hub.get(LineTokens.WebhookHandler).counters.duplicates).toBe(1)
    expect((await profileOf(l, tom)).answers.map((a) => a.answer)).toEqual(['great'])
    // A forged postback (wrong signature): 401, and the profile is unchanged.
    const forged = lineEvents.postback({ userId: jiro, data: 'survey=visit&q=how&a=great', timestamp: l.clock.now() })
    expect(await l.postWebhook([forged], { signature: 'A'.repeat(44) })).toBe(401)
    expect((await profileOf(l, jiro)).answers).toEqual([])
  })

  it('the answer drives a later offer: "the hotel was disappointing" → a tour with a better hotel; the happy guest gets nothing', async () => {
    const { l, hana, tom } = await visitDay()
    const { taps } = await readAnswers()
    for (const [userId, label] of Object.entries(taps)) await tap(l, userId, label)
    const before = l.line.deliveries.length
    await playEvents(l.hub, l.clock, await readEventFile(FIXTURES.browsing))
    const offers = l.line.deliveries.slice(before)
    expect(offers.map((d) => d.to)).toEqual([hana])
    expect(offers[0]!.messages).toEqual([{ type: 'text', text: '次回はワンランク上のホテルで。箱根プレミアムツアー\nhttps://travel.example.jp/tours/hakone-premium' }])
    expect(l.line.deliveredTo(tom).length).toBe(1) // only the question
  })

  it('timing is part of the rule: a visit after 18:00 and a visit reported a month late are never asked about', async () => {
    const { l, jiro } = await visitDay()
    const jiroProfile = await profileOf(l, jiro)
    const decisions = await l.hub.get(Tokens.DecisionLog).list(jiroProfile.id)
    // 19:30 visit: the wait was skipped, with the reason.
    expect(decisions.find((d) => d.eventId === 'v-jiro')?.candidates[0]).toMatchObject({ actionId: 'how-was-today', status: 'ineligible', policy: 'wait.passed' })
    // The month-old visit did not even match the rule (event.time within 12h).
    expect(decisions.some((d) => d.eventId === 'v-old-jiro')).toBe(false)
    // A week of evenings later, still nothing for Jiro, and no timer left waiting.
    await l.clock.advance(7 * 86_400_000)
    await l.hub.drain()
    expect(l.line.deliveredTo(jiro)).toEqual([])
    expect(await l.hub.get(Tokens.Scheduler).list(jiroProfile.id)).toEqual([])
  })

  it('a question that could not go out at 18:00 (the hub was down) is dropped, not sent hours late', async () => {
    const l = (leisure = await createExampleHub())
    const [hana] = await guestLineIds()
    await playEvents(l.hub, l.clock, await readEventFile(FIXTURES.guests))
    await follow(l, [hana!])
    const visit = (await readEventFile(FIXTURES.visits)).find((e) => e.id === 'v-hana')!
    await playEvents(l.hub, l.clock, [visit])
    const customerId = (await profileOf(l, hana!)).id
    const scheduler = l.hub.get(Tokens.Scheduler)
    const [timer] = await scheduler.list(customerId)
    expect(timer).toBeDefined()
    expect(timer!.at).toBe('2026-07-15T09:00:00.000Z') // 18:00 JST
    // The hub is down at 18:00: the timer does not fire then (we take it out of the memory scheduler)…
    await scheduler.cancel(timer!.id)
    await l.clock.advanceTo('2026-07-15T12:30:00Z') // 21:30 JST
    // …and a durable scheduler delivers it when the hub is back, three and a half hours late.
    await l.hub.publish({ ...timer!.event, id: timer!.event.id ?? `timer:${timer!.id}` })
    await l.hub.drain()
    expect(l.line.deliveredTo(hana!)).toEqual([])
    const [late] = await l.hub.get(Tokens.DecisionLog).list(customerId, { limit: 1 })
    expect(late!.candidates[0]).toMatchObject({ actionId: 'how-was-today', policy: 'wait.expired' })
  })
})
