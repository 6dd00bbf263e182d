import type { Hub } from '@omotenashi/core'
import { DecisioningTokens } from '@omotenashi/decisioning'

/**
 * Makes an agent's recorded outcome (`offer.responded`, accepted or declined) count as a contact
 * for the action, so the action's `cooldown` keeps it off the agent's screen for a while.
 *
 * Why this is here: pull decisions (`hub.decide`) apply cool-downs from the ContactHistory, but
 * only sends are recorded there; a response to an offer shown on a screen is not. The example
 * bridges that gap with a hook until decisioning records responses itself.
 */
export function rememberOfferResponses(hub: Hub): void {
  const history = hub.get(DecisioningTokens.ContactHistory)
  hub.hooks.on('event.processed', (context) => {
    const { event, customerId } = context
    if (event.type !== 'offer.responded' || customerId === undefined) return
    const data = event.data as { actionId?: string; decisionId?: string; response?: string }
    if (data.actionId === undefined || (data.response !== 'accepted' && data.response !== 'declined')) return
    void history.record({
      key: `response:${event.id}`,
      customerId,
      actionId: data.actionId,
      decisionId: data.decisionId ?? event.id,
      eventId: event.id,
      kind: 'staff',
      at: Date.parse(event.time),
    })
  })
}
