import type { OutboundMessage, Recipient } from './channel.js'

/** Why a candidate did or did not win. */
export type CandidateStatus = 'won' | 'eligible' | 'ineligible' | 'blocked' | 'holdout' | 'deferred'

/** One action that was considered, with its score and the reasons for its fate. */
export interface Candidate {
  /** The action id from the catalogue. */
  readonly actionId: string
  /** The rule that proposed it. */
  readonly ruleId?: string
  /** Arbitration score (propensity × context weight × value × lever). */
  readonly score?: number
  /** Its fate. */
  readonly status: CandidateStatus
  /** Human-readable reasons: which condition, rule or policy decided it. */
  readonly reasons: readonly string[]
  /** The policy that blocked it, if one did (`cap.daily`, `quiet_hours`, `cooldown`…). */
  readonly policy?: string
}

/** A planned send: the winning action on its channels, in order of preference. */
export interface PlannedAction {
  /** The action id. */
  readonly actionId: string
  /** The rule that proposed it. */
  readonly ruleId?: string
  /** Channels to try in order (already filtered by consent and reachability). */
  readonly channels: readonly string[]
  /** What to send. */
  readonly message: OutboundMessage
  /** Who to send to. */
  readonly recipient: Recipient
  /** Idempotency key: derived from the decision so a re-decided event sends nothing new. */
  readonly idempotencyKey: string
}

/**
 * A decision: what was considered, what won, what was blocked and why. Every decision is
 * recorded in the DecisionLog, including those that chose nothing.
 */
export interface Decision {
  /** Decision id. */
  readonly id: string
  /** When it was made (ISO). */
  readonly at: string
  /** The customer it is about. */
  readonly customerId: string
  /** The event that triggered it (push decisions). */
  readonly eventId?: string
  /** The trigger: an event type, or `placement:<name>` for pull decisions. */
  readonly trigger: string
  /** The placement asked about (pull decisions). */
  readonly placement?: string
  /** Every candidate with its fate. */
  readonly candidates: readonly Candidate[]
  /** What is to be sent now (empty when nothing won, or for pull decisions). */
  readonly actions: readonly PlannedAction[]
  /** The customer is in the holdout group of the winner: recorded, not sent. */
  readonly holdout?: boolean
}

/** Asking the hub what to show at a placement (web slot, app screen, staff card, agent screen). */
export interface PullRequest {
  /** Who is asking about: a customer id or identifiers. */
  readonly identity: Readonly<Record<string, string>>
  /** The placement, e.g. `web.home_hero` or `callcenter.agent`. */
  readonly placement: string
  /** Extra context (page, store, device). */
  readonly context?: Readonly<Record<string, unknown>>
  /** How many actions to return (top k). Default 1. */
  readonly limit?: number
}

/** The answer to a {@link PullRequest}. */
export interface PullDecision {
  /** The decision, as recorded. */
  readonly decision: Decision
  /** The winning actions, best first, with their content. */
  readonly actions: ReadonlyArray<{ readonly actionId: string; readonly score?: number; readonly message: OutboundMessage; readonly reasons: readonly string[] }>
  /** A view of the profile for the screen (already reduced to what the placement may show). */
  readonly profile?: Readonly<Record<string, unknown>>
}

/** Answers pull decisions. Bound by `@omotenashi/decisioning`. */
export interface PullDecider {
  /** Decides for a placement without sending anything. */
  decide(request: PullRequest): Promise<PullDecision>
}
