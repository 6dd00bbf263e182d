import { randomUUID } from 'node:crypto'
import type { Clock, DecisionLog, IdentityResolver, PullDecider, PullDecision, PullRequest } from '@omotenashi/core'
import { ValidationError, identityKey } from '@omotenashi/core'
import type { Profile, ProfileStore } from '@omotenashi/profile'
import * as z from 'zod'
import { profileSummary, type DecisionEngine } from './engine.js'
import type { EventFacts } from './facts.js'
import type { ResponseModel } from './response-model.js'

/** Options of {@link PlacementDecider}. */
export interface PlacementDeciderOptions {
  readonly engine: DecisionEngine
  readonly clock: Clock
  readonly log: DecisionLog
  readonly model: ResponseModel
  readonly resolver: IdentityResolver
  readonly profiles?: () => ProfileStore | undefined
  /** What a placement may show of the profile. Default: traits, recent items and answers, no identifiers. */
  readonly profileView?: (profile: Profile, placement: string) => Record<string, unknown>
  /** Decision ids (default: random; a test may make them predictable). */
  readonly newId?: () => string
}

const PullRequestSchema = z.object({
  identity: z.record(z.string(), z.string().min(1)).refine((v) => Object.keys(v).length > 0, 'give a customerId or at least one identifier'),
  placement: z.string().min(1).max(200),
  context: z.record(z.string(), z.unknown()).optional(),
  limit: z.number().int().min(1).max(50).optional(),
})

/**
 * Answers "what should this customer see here?" for a web slot, an app screen, a staff card or
 * a call-centre screen: the rules of `placement:<name>`, the same eligibility, suppression,
 * cool-down, max-per-customer and holdout policies as sends, ranked top-k. Sends nothing;
 * records the decision (with every candidate and why) in the DecisionLog, and counts each
 * shown action as an exposure so responses (`offer.responded`) train the model.
 */
export class PlacementDecider implements PullDecider {
  readonly #o: PlacementDeciderOptions

  constructor(options: PlacementDeciderOptions) {
    this.#o = options
  }

  async decide(request: PullRequest): Promise<PullDecision> {
    const parsed = PullRequestSchema.safeParse(request)
    if (!parsed.success) throw ValidationError.fromZod('pull request', parsed.error)
    const { identity, placement } = parsed.data
    const extra = parsed.data.context ?? {}
    const engine = this.#o.engine
    const now = this.#o.clock.now()
    const customerId = identity['customerId'] ?? (await this.#o.resolver.resolve(identity, { create: false }))
    const profile = customerId === undefined ? undefined : await this.#o.profiles?.()?.get(customerId)
    const id = `dn:pull:${this.#o.newId?.() ?? randomUUID()}`
    const trigger = `placement:${placement}`
    const event: EventFacts = { id, type: trigger, source: 'system', time: new Date(now).toISOString(), data: extra, ...(typeof extra['store'] === 'string' ? { storeId: extra['store'] } : {}) }
    const facts = engine.facts(event, profile, now, { ...extra, placement })
    // Unknown visitors are decided (and logged) under their identity's key, e.g. `anonymousId:a-1`.
    const who = profile?.id ?? customerId ?? identityKey(identity) ?? 'anonymous'
    const fired = await engine.match(trigger, facts, who)
    const proposals = fired.flatMap((rule) => rule.actions.map((actionId) => ({ rule, actionId })))
    const result = await engine.decide({ customerId: who, facts, decisionId: id, trigger, proposals, mode: 'pull', placement, limit: parsed.data.limit ?? 1 })
    await this.#o.log.record(result.decision)
    const segment = engine.segmentOf(facts)
    const actions = result.ranked.map(({ candidate, action, rule }) => {
      this.#o.model.expose({ key: `${id}:${action.id}`, customerId: who, actionId: action.id, segment, group: 'treatment', at: now })
      return { actionId: action.id, ...(candidate.score === undefined ? {} : { score: candidate.score }), message: engine.renderFor(action, rule, facts, id), reasons: candidate.reasons }
    })
    const view = profile ? (this.#o.profileView?.(profile, placement) ?? profileSummary(profile)) : undefined
    return { decision: result.decision, actions, ...(view === undefined ? {} : { profile: view }) }
  }
}
