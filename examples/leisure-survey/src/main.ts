// Asking at the right moment, on embedded defaults, a virtual clock and a local LINE server:
//   node --conditions=@omotenashi/source --import tsx examples/leisure-survey/src/main.ts
import { playEvents, readEventFile, Tokens, type EventInput } from '@omotenashi/core'
import { explain } from '@omotenashi/decisioning'
import { ProfileTokens } from '@omotenashi/profile'
import { lineEvents } from '@omotenashi/channel-line/testing'
import { FIXTURES, guestLineIds, readAnswers } from './fixtures.js'
import { createExampleHub } from './hub.js'
import { follow, lastQuestion, tap } from './line-guest.js'

const jst = (ms: number): string => new Date(ms).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })
const leisure = await createExampleHub({
  onDecision: (decision) => console.log(explain(decision).map((line) => `      ${line}`).join('\n')),
})
const { hub, clock, line } = leisure
const names: Record<string, string> = {}
let shown = 0
const newDeliveries = (): void => {
  for (const d of line.deliveries.slice(shown)) {
    const texts = (d.messages as Array<{ text?: string; quickReply?: { items: Array<{ action: { label: string } }> } }>).map((m) => `"${m.text}"${m.quickReply ? ` [${m.quickReply.items.map((i) => i.action.label).join(' | ')}]` : ''}`)
    console.log(`    LINE ${d.endpoint} → ${names[d.to] ?? d.to}: ${texts.join(', ')}`)
  }
  shown = line.deliveries.length
}

console.log(`Local LINE server (checks LINE's Messaging API contract): ${line.url}; hub webhook: ${leisure.webhookUrl}\n`)
const guests = await guestLineIds()
for (const e of await readEventFile(FIXTURES.guests)) names[e.identity!['lineUserId']!] = (e.data as { traits: { name: string } }).traits.name
await playEvents(hub, clock, await readEventFile(FIXTURES.guests))
console.log(`${guests.length} members follow the resort's LINE account: webhook answered ${await follow(leisure, guests)}`)

const EVENING = '2026-07-15T09:00:00Z' // 18:00 JST
const visits = await readEventFile(FIXTURES.visits)
const visited = (e: EventInput): void =>
  console.log(`  ${jst(Date.parse(e.time as string))} ${e.id} checked in at ${e.storeId}${e.id === 'v-old-jiro' ? ' (backfilled a month late: not asked about)' : ''}`)
console.log('\nVisits (JST):')
await playEvents(hub, clock, visits.filter((e) => Date.parse(e.time as string) < Date.parse(EVENING)), visited)

console.log('\n18:00 JST, the evening of the visit:')
await clock.advanceTo(EVENING)
await hub.drain()
newDeliveries()

const answers = await readAnswers()
await clock.advance(answers.tapsAfterMinutes * 60_000)
console.log(`\n${jst(clock.now())} the guests tap a quick reply; LINE posts it back, signed:`)
for (const [userId, label] of Object.entries(answers.taps)) console.log(`  ${names[userId]} taps "${label}": webhook answered ${await tap(leisure, userId, label)}`)
const forged = await leisure.postWebhook([lineEvents.postback({ userId: guests[2]!, data: 'survey=visit&q=how&a=great', timestamp: clock.now() })], { signature: 'A'.repeat(44) })
console.log(`  a forged postback (bad X-Line-Signature): webhook answered ${forged}, nothing taken in`)

console.log('\nA late visit, after 18:00:')
await playEvents(hub, clock, visits.filter((e) => Date.parse(e.time as string) >= Date.parse(EVENING)), visited)

console.log('\nOn the profiles:')
const resolver = hub.get(Tokens.IdentityResolver)
const store = hub.get(ProfileTokens.ProfileStore)
for (const userId of guests) {
  const id = await resolver.resolve({ lineUserId: userId }, { create: false })
  const profile = id === undefined ? undefined : await store.get(id)
  console.log(`  ${names[userId]}: ${profile?.answers.map((a) => `${a.surveyId}/${a.questionId} = ${a.answer} (${a.source}, ${jst(Date.parse(a.at))})`).join(', ') || '(no answers)'}`)
}

console.log('\nThe next evenings pass; nobody else is asked (Jiro came after 18:00, and his month-old visit does not count):')
await clock.advanceTo('2026-07-17T12:00:00Z')
await hub.drain()
newDeliveries()
console.log(`  questions to Jiro: ${lastQuestion(leisure, guests[2]!) ? 'asked!' : 'none'}`)

console.log('\nThree days later they browse the travel site:')
await playEvents(hub, clock, await readEventFile(FIXTURES.browsing))
newDeliveries()
console.log(`\nContract violations seen by the LINE server: ${line.violations().length}`)
await leisure.stop()
