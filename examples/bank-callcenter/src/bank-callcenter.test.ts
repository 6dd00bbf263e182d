// The call-centre story end to end: web reading → call → the agent's card over the HTTP API →
// the recorded outcome → later decisions, on the virtual clock through the example's hub.
import { playEvents, readEventFile, Tokens } from '@omotenashi/core'
import { afterEach, describe, expect, it } from 'vitest'
import { takeCall, type CallResult } from './agent-desk.js'
import { FIXTURES, readCalls } from './fixtures.js'
import { createExampleHub, type BankHub } from './hub.js'

describe('example: call-centre next best action', () => {
  let bank: BankHub | undefined
  afterEach(async () => {
    await bank?.stop()
  })

  async function setUp(): Promise<BankHub> {
    bank = await createExampleHub()
    await playEvents(bank.hub, bank.clock, await readEventFile(FIXTURES.customers))
    await playEvents(bank.hub, bank.clock, await readEventFile(FIXTURES.web))
    return bank
  }

  it('the agent screen shows "offer the card loan" with the reason, to a caller who read the card-loan pages', async () => {
    const b = await setUp()
    const [first] = await readCalls()
    const { response: _declined, ...noOutcomeYet } = first!
    const { card } = await takeCall(b, noOutcomeYet)
    expect(card.card.actionId).toBe('offer-card-loan')
    expect(card.card.title).toBe('カードローンのご案内')
    expect(card.card.suggestion).toMatch(/カードローンのページ/)
    expect(card.card.customer.name).toBe('山田 健二')
    expect(card.decision?.actions[0]?.reasons.join(' ')).toMatch(/rule card-loan-readers@1.*score 1\.5/)
    // The same answer straight from the hub (what the card route asks).
    const pulled = await b.hub.decide({ identity: { phone: '+81312345678' }, placement: 'callcenter.agent' })
    expect(pulled.actions[0]?.actionId).toBe('offer-card-loan')
  })

  it('a caller who read nothing about loans is offered the savings plan', async () => {
    const b = await setUp()
    const ren = (await readCalls()).find((c) => c.phone === '+81312340007')!
    const { card } = await takeCall(b, ren)
    expect(card.card.actionId).toBe('offer-savings-plan')
    expect(card.decision?.actions[0]?.reasons[0]).toBe('rule everyone-else@1')
  })

  it('outcomes feed back: a decline starts the cool-down, and the response model re-ranks for later callers', async () => {
    const b = await setUp()
    const results: CallResult[] = []
    for (const call of await readCalls()) results.push(await takeCall(b, call))
    const shown = results.map((r) => `${r.call.callId}:${r.card.card.actionId}`)
    expect(shown).toEqual([
      'call-001:offer-card-loan', // Kenji: declines
      'call-002:offer-card-loan',
      'call-003:offer-card-loan',
      'call-004:offer-card-loan',
      'call-005:offer-card-loan', // five declines in a row
      'call-006:offer-savings-plan', // Ren (no loan pages): accepts
      'call-007:offer-savings-plan', // Mariko read the loan pages, but the savings plan now ranks first
      'call-008:offer-savings-plan', // Kenji again, two days later: the loan is in its cool-down
    ])
    // Every outcome became an offer.responded event on the caller's profile.
    expect(results.filter((r) => r.outcomeEventId !== undefined)).toHaveLength(7)
    expect(b.model.stats('offer-card-loan')).toMatchObject({ trials: 5, successes: 0 })
    expect(b.model.stats('offer-savings-plan')).toMatchObject({ trials: 3, successes: 2 })
    // Why Mariko did not get the loan: it was eligible but ranked lower.
    const mariko = results[6]!
    const [marikoDecision] = await b.hub.get(Tokens.DecisionLog).list(mariko.card.card.customerId, { limit: 1 })
    const loanForMariko = marikoDecision!.candidates.find((c) => c.actionId === 'offer-card-loan')!
    const savingsForMariko = marikoDecision!.candidates.find((c) => c.actionId === 'offer-savings-plan')!
    expect(loanForMariko.status).toBe('eligible')
    expect(savingsForMariko.score!).toBeGreaterThan(loanForMariko.score!)
    // Why Kenji did not: the cool-down, with the policy named.
    const kenji = results[7]!
    const [kenjiDecision] = await b.hub.get(Tokens.DecisionLog).list(kenji.card.card.customerId, { limit: 1 })
    expect(kenjiDecision!.candidates.find((c) => c.actionId === 'offer-card-loan')).toMatchObject({ status: 'blocked', policy: 'cooldown' })
    // After the 30-day cool-down the loan is eligible for Kenji again.
    await b.clock.advance(31 * 86_400_000)
    const later = await b.hub.decide({ identity: { phone: '+81312345678' }, placement: 'callcenter.agent', limit: 2 })
    expect(later.decision.candidates.find((c) => c.actionId === 'offer-card-loan')?.status).not.toBe('blocked')
  })

  it('the agent routes need the decide-scoped key; an unknown number gets no customer data', async () => {
    const b = await setUp()
    const anonymous = await b.server.inject({ method: 'GET', url: '/staff/agent/card?phone=%2B81312345678' })
    expect(anonymous.statusCode).toBe(401)
    const wrong = await b.server.inject({ method: 'GET', url: '/staff/agent/card?phone=%2B81312345678', headers: { 'x-api-key': 'not-the-key' } })
    expect(wrong.statusCode).toBe(401)
    const unknown = await b.server.inject({ method: 'GET', url: '/staff/agent/card?phone=%2B81399999999', headers: { 'x-api-key': b.agentKey } })
    // An unknown number still gets the generic offer, with no customer data on the card.
    expect(unknown.statusCode).toBe(200)
    expect(unknown.json()).toMatchObject({ card: { actionId: 'offer-savings-plan', profileMissing: true, customer: {} } })
  })
})
