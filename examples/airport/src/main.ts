// The airport journey on embedded defaults and a virtual clock:
//   node --conditions=@omotenashi/source --import tsx examples/airport/src/main.ts
import { playEvents, readEventFile, type Decision } from '@omotenashi/core'
import { explain } from '@omotenashi/decisioning'
import { FIXTURES } from './fixtures.js'
import { createExampleHub } from './hub.js'

const jst = (ms: number): string => new Date(ms).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' })

const decided: Decision[] = []
const airport = await createExampleHub({ onDecision: (decision) => decided.push(decision) })
const { hub, clock } = airport

console.log('Setting up three travellers (app sign-up, consent, survey answers, parking reservations)…')
await playEvents(hub, clock, await readEventFile(FIXTURES.customers))

decided.length = 0
console.log('\nThe morning of the trip (times in JST):')
let pushed = 0
const seen = new Set<string>()
await playEvents(hub, clock, await readEventFile(FIXTURES.morning), (event) => {
  const data = event.data as { name?: string }
  console.log(`  ${jst(clock.now())} ${event.identity?.['loyaltyId']} entered ${data.name} (${event.type}, id ${event.id}${seen.has(event.id!) ? ', redelivered: nothing new is sent' : ''})`)
  seen.add(event.id!)
  for (const decision of decided.splice(0)) console.log(explain(decision).map((line) => `    ${line}`).join('\n'))
  for (const sent of airport.pushed().slice(pushed)) console.log(`    PUSH (FCM) → ${sent.loyaltyId}: ${sent.title} | ${sent.url}`)
  pushed = airport.pushed().length
})

console.log('\nIn-app inboxes (the fallback when push is off):')
for (const who of ['AP-1001', 'AP-1002', 'AP-1003']) {
  const messages = await airport.inbox(who)
  console.log(`  ${who}: ${messages.length === 0 ? '(empty)' : messages.map((m) => `${m.title} | ${m.url}`).join('\n           ')}`)
}
console.log(`\nPushed ${airport.pushed().length} notification(s) through FCM (a local endpoint checking FCM's v1 schema; refused: ${airport.fcm.refused.length}). Aiko got the route and the coupon by push; Ben (push off) got the route in his inbox and no coupon (he likes ramen); Chika reserved no parking, so no route, but her survey answer earned the coupon in her inbox.`)
await airport.stop()
