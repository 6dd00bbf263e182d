import type { Decision, OutboundMessage } from '@omotenashi/core'

/** What the demo counts for its summary: decisions, sends per channel, candidates stopped by a policy. */
export class DemoStats {
  decisions = 0
  /** Decisions that sent (or planned) something. */
  acted = 0
  readonly sends = new Map<string, number>()
  readonly sendsByAction = new Map<string, number>()
  /** Candidates blocked or found ineligible, by the policy that did it. */
  readonly blocked = new Map<string, number>()
  /** Candidates put off (a wait, quiet hours), by the policy. */
  readonly deferred = new Map<string, number>()
  readonly deadLetters: string[] = []
  /** The first message of each action, as sent (what the summary shows). */
  readonly firstByAction = new Map<string, { readonly channel: string; readonly message: OutboundMessage }>()

  /** Counts one recorded decision. */
  decided(decision: Decision): void {
    this.decisions++
    if (decision.actions.length > 0) this.acted++
    for (const c of decision.candidates) {
      if (c.policy === undefined) continue
      if (c.status === 'blocked' || c.status === 'ineligible') bump(this.blocked, c.policy)
      else if (c.status === 'deferred') bump(this.deferred, c.policy)
    }
  }

  /** Counts one send a channel accepted. */
  sent(actionId: string, channel: string, message: OutboundMessage): void {
    bump(this.sends, channel)
    bump(this.sendsByAction, actionId)
    if (!this.firstByAction.has(actionId)) this.firstByAction.set(actionId, { channel, message })
  }

  /** Keeps a dead letter's description (a stage failed). */
  deadLetter(what: string): void {
    this.deadLetters.push(what)
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}
