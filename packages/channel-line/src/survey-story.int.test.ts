// Story 6 end to end on the virtual clock, with the real LINE channel against the local LINE
// server (contract-checked) and the webhook taking the answer back in: visit → question at 18:00
// local → postback answer → answer on the profile → a later decision uses it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHub, Tokens, VirtualClock, type Hub } from '@omotenashi/core'
import { decisioning, parseRules, type ActionSpec } from '@omotenashi/decisioning'
import { profiles, ProfileTokens } from '@omotenashi/profile'
import { afterEach, describe, expect, it } from 'vitest'
import { MESSAGING_API_SPEC, WEBHOOK_SPEC } from './contract-paths.test-support.js'
import { lineChannel } from './module.js'
import { LineTestServer, lineEvents, lineUserId, OpenApiContract, signedWebhook, webhookBody } from './testing/index.js'

const SECRET = 'story-secret'

const actions: ActionSpec[] = [
  {
    id: 'how-was-today',
    channels: ['line'],
    quietHours: 'ignore',
    content: { line: { default: { text: 'How was today?', extra: { survey: { surveyId: 'visit', questionId: 'how' } } } } },
  },
  { id: 'better-hotel-tour', channels: ['line'], content: { default: { ja: { title: 'ワンランク上のホテルで行くツアー', url: 'https://travel.example.jp/tours/premium' } } } },
]

const rules = parseRules(
  `
version: 1
rules:
  - id: post-visit-question
    when: { event: store.checked_in, if: { event.storeId: { startsWith: resort- } } }
    wait: { at: "18:00", ifPassed: skip, expireAfter: 3h }
    do: { action: how-was-today }
  - id: tour-for-the-disappointed
    when: { event: page.viewed, if: { profile.answers.how: hotel_bad } }
    do: { action: better-hotel-tour }
`,
  { file: 'story.yaml' },
)

const visit = {
  id: 'visit',
  questions: [{ id: 'how', text: { ja: '今日はいかがでしたか？', en: 'How was today?' }, answers: [{ id: 'great', label: { ja: 'よかった', en: 'Great' } }, { id: 'hotel_bad', label: { ja: 'ホテルが残念', en: 'Hotel was poor' } }] }],
}

describe('story 6: asking at the right moment, over LINE', () => {
  let hub: Hub | undefined
  let line: LineTestServer | undefined
  let server: Server | undefined
  afterEach(async () => {
    await hub?.stop()
    await line?.close()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  })

  it('asks at 18:00 local by LINE, takes the postback answer onto the profile, and a later decision uses it', async () => {
    const clock = new VirtualClock('2026-03-02T01:00:00Z') // 10:00 JST, Monday
    line = await LineTestServer.start({ spec: MESSAGING_API_SPEC, channelAccessToken: 'story-token' })
    hub = await createHub({
      clock,
      modules: [
        profiles(),
        decisioning({ rules, actions, policies: { quietHours: { from: '21:00', to: '08:00' } }, learning: { seed: 1 } }),
        lineChannel({ channelAccessToken: 'story-token', channelSecret: SECRET, baseUrl: line.url, surveys: [visit], retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }),
      ],
    })
    hub.hooks.on('deadletter', (letter) => {
      throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
    })
    const route = hub.container.getAll(Tokens.HttpRoute).find((r) => r.path === '/webhooks/line')!
    server = createServer((req, res) => void route.handle(req, res, {}))
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/line`
    await hub.start()
    const webhookContract = new OpenApiContract(WEBHOOK_SPEC)
    const postWebhook = async (events: unknown[]): Promise<number> => {
      const body = webhookBody(events)
      expect(webhookContract.validateSchema('CallbackRequest', body)).toEqual([])
      const signed = signedWebhook(body, SECRET)
      const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signed.signature }, body: signed.raw })
      await hub!.drain()
      return response.status
    }

    const disappointed = lineUserId('hana')
    const happy = lineUserId('taro')
    // They follow the account on LINE (consent and reachability come from the follow).
    expect(await postWebhook([lineEvents.follow({ userId: disappointed, timestamp: clock.now() }), lineEvents.follow({ userId: happy, timestamp: clock.now() })])).toBe(200)
    for (const user of [disappointed, happy]) {
      await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: { lineUserId: user }, data: { traits: { timeZone: 'Asia/Tokyo', locale: 'ja-JP' } } })
      await hub.publish({ type: 'store.checked_in', source: 'line', identity: { lineUserId: user }, storeId: 'resort-hakone', data: { method: 'line' } })
    }
    await hub.drain()

    await clock.advanceTo('2026-03-02T08:59:00Z') // 17:59 JST: not yet
    await hub.drain()
    expect(line.deliveries).toHaveLength(0)
    await clock.advanceTo('2026-03-02T09:00:00Z') // 18:00 JST
    await hub.drain()
    const asked = line.deliveries.filter((d) => d.endpoint === 'push')
    expect(asked.map((d) => d.to).sort()).toEqual([disappointed, happy].sort())
    const question = asked.find((d) => d.to === disappointed)!.messages[0] as { text: string; quickReply: { items: Array<{ action: { label: string; data: string } }> } }
    expect(question.text).toBe('今日はいかがでしたか？') // the customer's locale, from the survey definition
    expect(question.quickReply.items.map((i) => i.action.label)).toEqual(['よかった', 'ホテルが残念'])

    // They tap a quick reply; LINE posts the button's data back.
    const tap = (user: string, label: string) => {
      const q = asked.find((d) => d.to === user)!.messages[0] as typeof question
      return lineEvents.postback({ userId: user, data: q.quickReply.items.find((i) => i.action.label === label)!.action.data, timestamp: clock.now() + 20 * 60_000 })
    }
    await clock.advance(20 * 60_000)
    expect(await postWebhook([tap(disappointed, 'ホテルが残念'), tap(happy, 'よかった')])).toBe(200)

    // The answer is on the profile, tied to the customer.
    const resolver = hub.get(Tokens.IdentityResolver)
    const store = hub.get(ProfileTokens.ProfileStore)
    const hanaId = (await resolver.resolve({ lineUserId: disappointed }, { create: false }))!
    const hana = (await store.get(hanaId))!
    expect(hana.answers.map((a) => [a.surveyId, a.questionId, a.answer, a.source])).toEqual([['visit', 'how', 'hotel_bad', 'line']])

    // Three days later both browse the travel site: only the disappointed one is offered the better hotel.
    await clock.advance(3 * 86_400_000)
    const before = line.deliveries.length
    for (const user of [disappointed, happy]) await hub.publish({ type: 'page.viewed', source: 'web', identity: { lineUserId: user }, data: { path: '/tours' } })
    await hub.drain()
    const offers = line.deliveries.slice(before)
    expect(offers.map((d) => d.to)).toEqual([disappointed])
    expect(offers[0]!.messages).toEqual([{ type: 'text', text: 'ワンランク上のホテルで行くツアー\nhttps://travel.example.jp/tours/premium' }])
    const decisions = await hub.get(Tokens.DecisionLog).list(hanaId)
    expect(decisions.some((d) => d.trigger === 'page.viewed' && d.actions.some((a) => a.actionId === 'better-hotel-tour'))).toBe(true)
    expect(line.violations()).toEqual([])
  })
})
