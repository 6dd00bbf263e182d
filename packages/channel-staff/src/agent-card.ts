import { randomUUID } from 'node:crypto'
import type { Clock, Identity, IdentityResolver, OutboundMessage, PullDecider, PullDecision } from '@omotenashi/core'
import type { Profile, ProfileStore } from '@omotenashi/profile'
import { buildCard as defaultBuildCard, type CardOptions, type StaffCard } from './card.js'
import type { BuildCard } from './options.js'

/** What the call-centre card is made from. */
export interface AgentCardDeps {
  /** Finds the customer behind the identifier the agent typed. */
  readonly resolver: IdentityResolver
  /** Profiles, when `@omotenashi/profile` is installed. */
  readonly profiles?: Pick<ProfileStore, 'get'> | undefined
  /** Pull decisions, when `@omotenashi/decisioning` is installed. */
  readonly decider?: PullDecider | undefined
  /** The placement asked about, e.g. `callcenter.agent`. */
  readonly placement: string
  /** The hub's clock (the card's `createdAt`). */
  readonly clock: Pick<Clock, 'now'>
  /** Card limits. */
  readonly card?: CardOptions
  /** Card builder. Default {@link buildCard}. */
  readonly buildCard?: BuildCard | undefined
}

/** The call-centre answer: the same card staff see in store, plus the decision behind it. */
export interface AgentCard {
  /** The card; its suggestion is the winning action's text. */
  readonly card: StaffCard
  /** The pull decision (absent when no decider is installed). */
  readonly decision?: {
    readonly id: string
    readonly actions: ReadonlyArray<{ readonly actionId: string; readonly score?: number; readonly reasons: readonly string[] }>
  }
  /** The decider's view of the profile for this placement. */
  readonly profile?: Readonly<Record<string, unknown>>
}

/**
 * Builds the call-centre card for a customer identifier: a pull decision for the agent's
 * placement (when a PullDecider is bound) and the profile card. Undefined when nobody has the
 * identifier and no decision could be made.
 */
export async function agentCard(deps: AgentCardDeps, identity: Identity, context: Readonly<Record<string, unknown>> = {}): Promise<AgentCard | undefined> {
  let pull: PullDecision | undefined
  if (deps.decider) {
    const request: Record<string, string> = {}
    for (const [k, v] of Object.entries(identity)) if (typeof v === 'string') request[k] = v
    pull = await deps.decider.decide({ identity: request, placement: deps.placement, context: { ...context, channel: 'staff' } })
  }
  const customerId = pull?.decision.customerId ?? identity.customerId ?? (await deps.resolver.resolve(identity, { create: false }))
  if (customerId === undefined) return undefined
  const profile: Profile | undefined = deps.profiles ? await deps.profiles.get(customerId) : undefined
  if (!profile && !pull) return undefined
  const top = pull?.actions[0]
  const message: OutboundMessage = top?.message ?? { actionId: 'none' }
  const build = deps.buildCard ?? defaultBuildCard
  const identifiers: Record<string, string[]> = {}
  if (identity.loyaltyId !== undefined) identifiers['loyaltyId'] = [identity.loyaltyId]
  const decisionId = message.decisionId ?? pull?.decision.id
  const card: StaffCard = build(
    {
      id: `agent_${pull?.decision.id ?? randomUUID()}`,
      customerId,
      message: decisionId === undefined ? message : { ...message, decisionId },
      profile,
      identifiers,
      now: deps.clock.now(),
    },
    deps.card ?? {},
  )
  return {
    card,
    ...(pull === undefined
      ? {}
      : {
          decision: {
            id: pull.decision.id,
            actions: pull.actions.map((a) => ({ actionId: a.actionId, reasons: a.reasons, ...(a.score === undefined ? {} : { score: a.score }) })),
          },
        }),
    ...(pull?.profile === undefined ? {} : { profile: pull.profile }),
  }
}
