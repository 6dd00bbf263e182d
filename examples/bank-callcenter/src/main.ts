// Call-centre next best action on embedded defaults and a virtual clock:
//   node --conditions=@omotenashi/source --import tsx examples/bank-callcenter/src/main.ts
import { playEvents, readEventFile, Tokens } from '@omotenashi/core'
import { takeCall } from './agent-desk.js'
import { FIXTURES, readCalls } from './fixtures.js'
import { createExampleHub } from './hub.js'

const jst = (ms: number): string => new Date(ms).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' })

const bank = await createExampleHub()
const { hub, clock, model } = bank

console.log('Seven bank customers; six of them read the card-loan pages on the website this week…')
await playEvents(hub, clock, await readEventFile(FIXTURES.customers))
await playEvents(hub, clock, await readEventFile(FIXTURES.web))

console.log('\nCalls to the call centre (the agent screen asks GET /staff/agent/card?phone=…):')
for (const call of await readCalls()) {
  const { card } = await takeCall(bank, call)
  const top = card.decision?.actions[0]
  console.log(`\n  ${jst(clock.now())} ${call.callId} from ${card.card.customer.name ?? call.phone}`)
  console.log(`    NEXT BEST ACTION: ${card.card.title} — ${card.card.suggestion}`)
  if (top) console.log(`    why: ${top.reasons.join('; ')}`)
  const decision = (await hub.get(Tokens.DecisionLog).list(card.card.customerId, { limit: 1 }))[0]
  for (const other of decision?.candidates.filter((c) => c.status !== 'won') ?? []) {
    console.log(`    not shown: ${other.actionId} (${other.status}${other.policy ? `, ${other.policy}` : ''}): ${other.reasons.at(-1)}`)
  }
  console.log(`    the agent records: ${call.response ?? '(no outcome)'}`)
  const loan = model.stats('offer-card-loan')
  const savings = model.stats('offer-savings-plan')
  console.log(`    model: card loan ${loan.successes}/${loan.trials} accepted, savings plan ${savings.successes}/${savings.trials} accepted`)
}
console.log('\nThe card loan led while nobody had answered; five declines later the savings plan (accepted by others) ranks first for Mariko, and Kenji, who declined the loan, is not offered it again within the 30-day cool-down.')
await bank.stop()
