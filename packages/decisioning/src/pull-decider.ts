import { randomUUID } from 'node:crypto'
import type { Clock, DecisionLog, IdentityResolver, PullDecider, PullDecision, PullRequest } from '@omotenashi/core'
import { ValidationError, identityKey } from '@omotenashi/core'
import type { Profile, ProfileStore } from '@omotenashi/profile'
import * as z from 'zod'
import { profileSummary, type DecisionEngine, type Proposal } from './engine.js'
import { isoAt } from './iso-time.js'
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
    // Requests that are plainly valid skip zod (it copies every record it checks); the rest get
    // zod's verdict and its error, as before.
    let valid: { readonly identity: Readonly<Record<string, string>>; readonly placement: string; readonly context?: Readonly<Record<string, unknown>> | undefined; readonly limit?: number | undefined }
    if (isPlainRequest(request)) valid = request
    else {
      const parsed = PullRequestSchema.safeParse(request)
      if (!parsed.success) throw ValidationError.fromZod('pull request', parsed.error)
      valid = parsed.data
    }
    const { identity, placement } = valid
    // A fresh object when none is given (as before): it becomes the event's data, which context providers see.
    const extra = valid.context ?? {}
    const engine = this.#o.engine
    const now = this.#o.clock.now()
    const customerId = identity['customerId'] ?? (await this.#o.resolver.resolve(identity, { create: false }))
    const profile = customerId === undefined ? undefined : await this.#o.profiles?.()?.get(customerId)
    const id = `dn:pull:${this.#o.newId?.() ?? randomUUID()}`
    const trigger = `placement:${placement}`
    const store = extra['store']
    const event: EventFacts =
      typeof store === 'string' ? { id, type: trigger, source: 'system', time: isoAt(now), data: extra, storeId: store } : { id, type: trigger, source: 'system', time: isoAt(now), data: extra }
    const facts = engine.facts(event, profile, now, extra, placement)
    // Unknown visitors are decided (and logged) under their identity's key, e.g. `anonymousId:a-1`.
    const who = profile?.id ?? customerId ?? identityKey(identity) ?? 'anonymous'
    const matched = engine.matchNow(trigger, facts, who)
    const fired = Array.isArray(matched) ? matched : await matched
    const proposals: Proposal[] = []
    for (const rule of fired) for (const actionId of rule.actions) proposals.push({ rule, actionId })
    const result = await engine.decide({ customerId: who, facts, decisionId: id, trigger, proposals, mode: 'pull', placement, limit: valid.limit ?? 1 })
    await this.#o.log.record(result.decision)
    const segment = engine.segmentOf(facts)
    const actions: Array<PullDecision['actions'][number]> = []
    for (const { candidate, action, rule } of result.ranked) {
      this.#o.model.expose({ key: `${id}:${action.id}`, customerId: who, actionId: action.id, segment, group: 'treatment', at: now })
      const message = engine.renderFor(action, rule, facts, id)
      actions.push(candidate.score === undefined ? { actionId: action.id, message, reasons: candidate.reasons } : { actionId: action.id, score: candidate.score, message, reasons: candidate.reasons })
    }
    const view = profile ? (this.#o.profileView?.(profile, placement) ?? profileSummary(profile)) : undefined
    return view === undefined ? { decision: result.decision, actions } : { decision: result.decision, actions, profile: view }
  }
}

/**
 * Whether a request certainly passes {@link PullRequestSchema} as it is: plain records without
 * symbol or `__proto__` keys (which zod would drop or refuse), non-empty identifier values, a
 * placement of 1 to 200 characters, a whole limit of 1 to 50. Anything else goes through zod.
 */
function isPlainRequest(request: PullRequest): boolean {
  if (typeof request !== 'object' || request === null) return false
  const { identity, placement, context, limit } = request
  if (typeof placement !== 'string' || placement.length < 1 || placement.length > 200) return false
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 50)) return false
  if (!isPlainRecord(identity)) return false
  let keys = 0
  for (const key in identity) {
    if (!Object.hasOwn(identity, key)) return false
    const value = identity[key]
    if (typeof value !== 'string' || value.length === 0) return false
    keys++
  }
  if (keys === 0) return false
  return context === undefined || isPlainRecord(context)
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return false
  if (Object.hasOwn(value, '__proto__')) return false
  return Object.getOwnPropertySymbols(value).length === 0
}
