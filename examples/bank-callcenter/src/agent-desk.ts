import type { AgentCard } from '@omotenashi/channel-staff'
import type { BankHub } from './hub.js'
import type { CallFixture } from './fixtures.js'

/** What happened on one call: the card the agent saw, and the outcome recorded. */
export interface CallResult {
  readonly call: CallFixture
  /** The call-centre card (the staff package's `GET /staff/agent/card`). */
  readonly card: AgentCard
  /** The `offer.responded` event id, when the agent recorded an outcome. */
  readonly outcomeEventId?: string
}

/**
 * Plays one call as the agent desktop would: the telephony system reports `call.started`, the
 * desktop asks for the card by the caller's number (a pull decision for `callcenter.agent`),
 * and the agent records the customer's answer to the suggested action. Everything goes through
 * the HTTP API with the desktop's `decide`-scoped key, except `call.started`, which the
 * telephony integration publishes on the hub.
 */
export async function takeCall(bank: BankHub, call: CallFixture): Promise<CallResult> {
  const { hub, clock, server, agentKey } = bank
  if (Date.parse(call.time) > clock.now()) await clock.advanceTo(call.time)
  await hub.publish({ type: 'call.started', source: 'callcenter', identity: { phone: call.phone }, data: { callId: call.callId, agentId: call.agentId, queue: 'general' } })
  await hub.drain()
  const answer = await server.inject({ method: 'GET', url: `/staff/agent/card?phone=${encodeURIComponent(call.phone)}`, headers: { 'x-api-key': agentKey } })
  if (answer.statusCode !== 200) throw new Error(`agent card: HTTP ${answer.statusCode} ${answer.body}`)
  const card = answer.json<AgentCard>()
  if (call.response === undefined) return { call, card }
  const outcome = await server.inject({
    method: 'POST',
    url: '/staff/agent/outcome',
    headers: { 'x-api-key': agentKey, 'content-type': 'application/json' },
    payload: { customerId: card.card.customerId, actionId: card.card.actionId, decisionId: card.decision?.id, response: call.response, agentId: call.agentId },
  })
  if (outcome.statusCode !== 202) throw new Error(`agent outcome: HTTP ${outcome.statusCode} ${outcome.body}`)
  await hub.drain()
  return { call, card, outcomeEventId: outcome.json<{ eventId: string }>().eventId }
}
