import type { Candidate, CandidateStatus, ChannelCapabilities, Decision, EventInput, GeoPoint, Inventory, OmoEvent, PlannedAction, TimerRequest } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'
import type { CompiledAction } from './catalogue.js'
import { channelVerdict, recipientOf } from './channel-choice.js'
import type { ContactHistory, ContactRecord } from './contact-history.js'
import { NO_STOCK, stockKey, type EventFacts, type Facts } from './facts.js'
import { unitHash } from './hashing.js'
import { LazyContext } from './lazy-context.js'
import { inWindow, nextLocalTime, startOfLocal } from './local-time.js'
import type { ContactPolicies } from './policies.js'
import type { ResponseModel, Scorer } from './response-model.js'
import type { CompiledRule, RuleSet } from './rule-set.js'

/** Input of a context provider: what the decision is about. */
export interface ContextProviderInput {
  readonly event: EventFacts
  readonly profile: Profile | undefined
  readonly customerId: string | undefined
  readonly now: number
}

/**
 * Supplies one `context.<name>` fact (weather, footfall, a store's opening state…). Called only
 * for decisions whose rules read it, once per decision.
 */
export type ContextProvider = (input: ContextProviderInput) => unknown

/** A store the rules know: its location (for `near: { store }`) and time zone. */
export interface StoreInfo extends GeoPoint {
  readonly timeZone?: string
}

/** What the engine is wired to. */
export interface EngineDependencies {
  readonly rules: () => RuleSet
  readonly policies: ContactPolicies
  readonly history: ContactHistory
  readonly inventory?: Inventory
  /** Installed channels' capabilities by id. */
  readonly channels: () => ReadonlyMap<string, ChannelCapabilities>
  readonly model: ResponseModel
  readonly scorer?: Scorer
  readonly contextProviders?: Readonly<Record<string, ContextProvider>>
  readonly stores?: Readonly<Record<string, StoreInfo>>
  /** `thompson` draws propensities from the response model; `mean` uses its posterior mean. */
  readonly propensity?: 'thompson' | 'mean'
  /** Segments the response model learns per (first match wins; else `all`). */
  readonly learningSegments?: readonly string[]
}

/** One action proposed by a fired rule. */
export interface Proposal {
  readonly rule: CompiledRule
  readonly actionId: string
}

/** What a push decision asks of the engine. */
export interface DecideRequest {
  readonly customerId: string
  readonly facts: Facts
  readonly decisionId: string
  readonly trigger: string
  readonly proposals: readonly Proposal[]
  /** `push` plans sends under every contact policy; `pull` ranks for a placement without sending. */
  readonly mode: 'push' | 'pull'
  readonly placement?: string
  /** Top k for pull decisions. Default 1. */
  readonly limit?: number
  /** Extra candidates recorded as they are (e.g. rules whose wait was cancelled). */
  readonly notes?: readonly Candidate[]
}

/** What a decision produced besides itself. */
export interface DecideResult {
  readonly decision: Decision
  /** Contacts to record (planned sends). */
  readonly contacts: readonly ContactRecord[]
  /** Timers to schedule (quiet-hours deferrals). */
  readonly timers: readonly TimerRequest[]
  /** Winners in rank order, for pull answers. */
  readonly ranked: ReadonlyArray<{ readonly candidate: Candidate; readonly action: CompiledAction; readonly rule: CompiledRule }>
}

interface Working {
  readonly rule: CompiledRule
  readonly action: CompiledAction
  status: CandidateStatus
  reasons: string[]
  policy?: string
  score?: number
  channels: string[]
  deferUntil?: number
  item?: string
  substituteFor?: string
}

const PURPOSE_WAIT = 'decisioning:wait'
const PURPOSE_DEFER = 'decisioning:deferred'

/** Timer purposes the decide stage handles. */
export const TimerPurposes = { wait: PURPOSE_WAIT, deferred: PURPOSE_DEFER } as const

/**
 * The decision engine: builds facts, matches rules, and turns proposals into one decision under
 * eligibility, suppression, cool-downs, caps, quiet hours, one-message-per-moment, consent and
 * reachability, ranked by propensity × context weight × value × lever. It performs no I/O of
 * its own besides reading contact history, stock and context providers: the stage records
 * what it returns.
 */
export class DecisionEngine {
  readonly #deps: EngineDependencies

  constructor(deps: EngineDependencies) {
    this.#deps = deps
  }

  /** The rules in force. */
  get rules(): RuleSet {
    return this.#deps.rules()
  }

  /** The customer's time zone: profile, else the store's, else the default. */
  timeZoneOf(profile: Profile | undefined, storeId: string | undefined): string {
    return profile?.timeZone ?? (storeId === undefined ? undefined : this.#deps.stores?.[storeId]?.timeZone) ?? this.#deps.policies.defaultTimeZone
  }

  /** Facts for one decision (context is lazy: local time is only computed if read). */
  facts(event: EventFacts, profile: Profile | undefined, now: number, extra?: Readonly<Record<string, unknown>>): Facts {
    const store = (extra?.['store'] as string | undefined) ?? event.storeId
    const context = new LazyContext(now, this.timeZoneOf(profile, store))
    if (extra) for (const [key, value] of Object.entries(extra)) if (key !== 'now' && key !== 'timeZone') context[key] = value
    if (store !== undefined) context.store = store
    return { event, profile, context: context as unknown as Facts['context'], stock: NO_STOCK }
  }

  /** Looks up the stock and context providers `rules` (and their actions) read, into `facts`. */
  async prefetch(facts: Facts, rules: readonly CompiledRule[], customerId: string | undefined): Promise<void> {
    const set = this.rules
    const lookups = rules.flatMap((r) => [...r.stockLookups, ...r.actions.flatMap((a) => set.actions.get(a)?.stockLookups ?? [])])
    const keys = new Set(rules.flatMap((r) => [...r.contextKeys, ...r.actions.flatMap((a) => [...(set.actions.get(a)?.contextKeys ?? [])])]))
    const inventory = this.#deps.inventory
    if (inventory && lookups.length > 0) {
      if (facts.stock === NO_STOCK) facts.stock = new Map()
      const stock = facts.stock as Map<string, unknown>
      for (const lookup of lookups) {
        const sku = lookup.item(facts)
        const store = lookup.store(facts)
        if (typeof sku !== 'string') continue
        const storeId = typeof store === 'string' ? store : undefined
        const key = stockKey(sku, storeId)
        if (!stock.has(key)) stock.set(key, await inventory.stock(sku, storeId))
      }
    }
    const providers = this.#deps.contextProviders ?? {}
    const context = facts.context as unknown as LazyContext
    for (const name of keys) {
      const provider = providers[name]
      if (!provider || name in context) continue
      context[name] = await provider({ event: facts.event, profile: facts.profile, customerId, now: facts.context.now })
    }
  }

  /** Whether rules of `trigger` need stock or context providers before they can be matched. */
  needsPrefetch(trigger: string): boolean {
    const providers = this.#deps.contextProviders ?? {}
    return this.rules.rulesFor(trigger).some((r) => r.stockLookups.length > 0 || [...r.contextKeys].some((k) => k in providers))
  }

  /** Matches the rules of `trigger` against `facts` (prefetching what they read first). */
  async match(trigger: string, facts: Facts, customerId: string | undefined): Promise<CompiledRule[]> {
    if (this.needsPrefetch(trigger)) await this.prefetch(facts, this.rules.rulesFor(trigger), customerId)
    return this.rules.match(trigger, facts)
  }

  /** The learning segment of a customer: the first configured segment they belong to, else `all`. */
  segmentOf(facts: Facts): string {
    for (const name of this.#deps.learningSegments ?? []) {
      const test = this.rules.segments.get(name)
      const listed = facts.profile?.traits['segments']?.value
      if ((Array.isArray(listed) && listed.includes(name)) || test?.(facts)) return name
    }
    return 'all'
  }

  /** Decides: every proposal becomes a candidate with its fate; the winners become planned actions. */
  async decide(request: DecideRequest): Promise<DecideResult> {
    const { facts, customerId, mode } = request
    const now = facts.context.now
    const set = this.rules
    const policies = this.#deps.policies
    const profile = facts.profile
    await this.prefetch(facts, request.proposals.map((p) => p.rule), customerId)
    // A redelivered event is decided again under the same decision id: its own earlier contacts
    // must not count against it. Only those: audience decisions share the trigger event, but
    // each has its own decision id, so they still see each other's sends (caps, one per moment).
    const history = (await this.#deps.history.list(customerId, 0)).filter((c) => c.decisionId !== request.decisionId)
    const zone = facts.context.timeZone
    const locale = profile?.locale ?? policies.defaultLocale
    const segment = this.segmentOf(facts)
    const store = facts.context.store
    const installed = this.#deps.channels()

    // One proposal per action: the strongest rule's (then the earliest).
    const byAction = new Map<string, Proposal>()
    for (const p of request.proposals) {
      const seen = byAction.get(p.actionId)
      if (!seen || p.rule.weight > seen.rule.weight) byAction.set(p.actionId, p)
    }
    const working: Working[] = []
    const queue = [...byAction.values()].map((p) => ({ ...p, substituteFor: undefined as string | undefined }))
    while (queue.length > 0) {
      const p = queue.shift()!
      const action = set.actions.get(p.actionId)
      if (!action) continue
      const w = this.#evaluate(p.rule, action, facts, history, { mode, now, zone, store, installed, placement: request.placement })
      if (p.substituteFor !== undefined) {
        w.substituteFor = p.substituteFor
        w.reasons.unshift(`instead of ${p.substituteFor} (bought recently)`)
      }
      working.push(w)
      if (w.policy === 'suppression.bought_recently' && action.insteadIfBought !== undefined && !byAction.has(action.insteadIfBought)) {
        byAction.set(action.insteadIfBought, { rule: p.rule, actionId: action.insteadIfBought })
        queue.push({ rule: p.rule, actionId: action.insteadIfBought, substituteFor: action.id })
      }
    }

    // Score what survived.
    for (const w of working) {
      if (w.status !== 'eligible' && w.status !== 'deferred') continue
      const propensity = this.#propensity(w.action, customerId, segment, profile, request.trigger)
      w.score = propensity * w.rule.weight * w.action.value * w.action.lever
      w.reasons.push(`score ${round(w.score)} = propensity ${round(propensity)} × weight ${w.rule.weight} × value ${w.action.value} × lever ${w.action.lever}`)
    }
    const rank = (a: Working, b: Working): number =>
      (b.score ?? 0) - (a.score ?? 0) || b.action.priority - a.action.priority || a.rule.index - b.rule.index || (a.action.id < b.action.id ? -1 : a.action.id > b.action.id ? 1 : 0)

    const winners: Working[] = []
    const timers: TimerRequest[] = []
    let heldOut = false
    if (mode === 'pull') {
      const limit = request.limit ?? 1
      const eligible = working.filter((w) => w.status === 'eligible').sort(rank)
      for (const w of eligible) {
        if (winners.length >= limit) {
          w.reasons.push(`ranked below the top ${limit}`)
          continue
        }
        if (this.#heldOut(customerId, w.action)) {
          w.status = 'holdout'
          w.reasons.push(`customer is in the ${pct(w.action.holdout)} holdout of ${w.action.id}`)
          continue
        }
        w.status = 'won'
        winners.push(w)
      }
    } else {
      for (const lane of ['message', 'staff'] as const) {
        const inLane = working.filter((w) => w.action.kind === lane)
        const eligible = inLane.filter((w) => w.status === 'eligible').sort(rank)
        const best = eligible[0] ?? inLane.filter((w) => w.status === 'deferred').sort(rank)[0]
        if (!best) continue
        for (const other of inLane) {
          if (other !== best && (other.status === 'eligible' || other.status === 'deferred')) {
            other.status = 'eligible'
            other.reasons.push(`lost to ${best.action.id}${lane === 'message' ? ' (one message per moment)' : ''}`)
          }
        }
        if (this.#heldOut(customerId, best.action)) {
          best.status = 'holdout'
          best.reasons.push(`customer is in the ${pct(best.action.holdout)} holdout of ${best.action.id}: recorded, not sent`)
          heldOut = true
          continue
        }
        if (best.status === 'deferred') {
          const id = `dn:defer:${request.decisionId}:${best.action.id}`
          timers.push({
            id,
            at: best.deferUntil!,
            customerId,
            key: `decisioning:defer:${best.action.id}`,
            event: timerEvent(customerId, id, PURPOSE_DEFER, { ruleId: best.rule.id, actionId: best.action.id, event: facts.event, deferredAt: now }),
          })
          continue
        }
        best.status = 'won'
        winners.push(best)
      }
    }

    const recipient = recipientOf(customerId, profile, locale, zone)
    const actions: PlannedAction[] = []
    const contacts: ContactRecord[] = []
    if (mode === 'push') {
      for (const w of winners) {
        const idempotencyKey = `${request.decisionId}:${w.rule.id}:${w.action.id}`
        const vars = this.#variables(w, facts)
        const rendered = w.action.render({ ...facts, vars }, locale, w.channels)
        const message = {
          ...rendered,
          actionId: w.action.id,
          decisionId: request.decisionId,
          ...(store === undefined ? {} : { storeId: store }),
        }
        actions.push({ actionId: w.action.id, ruleId: w.rule.id, channels: w.channels, message, recipient, idempotencyKey })
        contacts.push({
          key: idempotencyKey,
          customerId,
          actionId: w.action.id,
          ruleId: w.rule.id,
          decisionId: request.decisionId,
          eventId: facts.event.id,
          kind: w.action.kind,
          ...(w.channels[0] === undefined ? {} : { channel: w.channels[0] }),
          ...(w.item === undefined ? {} : { item: w.item }),
          at: now,
        })
      }
    }
    const candidates: Candidate[] = [
      ...(request.notes ?? []),
      ...working.map((w) => ({
        actionId: w.action.id,
        ruleId: w.rule.id,
        ...(w.score === undefined ? {} : { score: w.score }),
        status: w.status,
        reasons: [`rule ${w.rule.id}@${w.rule.version}`, ...w.reasons],
        ...(w.policy === undefined ? {} : { policy: w.policy }),
      })),
    ]
    const decision: Decision = {
      id: request.decisionId,
      at: new Date(now).toISOString(),
      customerId,
      ...(request.trigger.startsWith('placement:') ? { placement: request.placement ?? request.trigger.slice(10) } : { eventId: facts.event.id }),
      trigger: request.trigger,
      candidates,
      actions,
      ...(heldOut && actions.length === 0 ? { holdout: true } : {}),
    }
    const ranked = winners.map((w) => ({ candidate: candidates.find((c) => c.actionId === w.action.id && c.ruleId === w.rule.id)!, action: w.action, rule: w.rule }))
    return { decision, contacts, timers, ranked }
  }

  /** Renders a winner's message content for a pull answer. */
  renderFor(action: CompiledAction, rule: CompiledRule, facts: Facts, decisionId: string): PlannedAction['message'] {
    const locale = facts.profile?.locale ?? this.#deps.policies.defaultLocale
    const vars = this.#variables({ rule, action } as Working, facts)
    return { ...action.render({ ...facts, vars }, locale, action.channels), actionId: action.id, decisionId, ...(facts.context.store === undefined ? {} : { storeId: facts.context.store }) }
  }

  #variables(w: Pick<Working, 'rule' | 'action'>, facts: Facts): Record<string, unknown> {
    const vars: Record<string, unknown> = {}
    for (const [name, get] of w.rule.variables) vars[name] = get(facts)
    if (w.action.kind === 'staff' && facts.profile) vars['customer'] ??= profileSummary(facts.profile)
    return vars
  }

  #heldOut(customerId: string, action: CompiledAction): boolean {
    return action.holdout > 0 && unitHash(`${customerId}\u0000${action.id}`) < action.holdout
  }

  #propensity(action: CompiledAction, customerId: string, segment: string, profile: Profile | undefined, trigger: string): number {
    if (action.propensity !== undefined) return action.propensity
    const scored = this.#deps.scorer?.score({ actionId: action.id, customerId, segment, profile, trigger })
    if (typeof scored === 'number' && Number.isFinite(scored)) return Math.min(1, Math.max(0, scored))
    return this.#deps.propensity === 'mean' ? this.#deps.model.mean(action.id, segment) : this.#deps.model.sample(action.id, segment)
  }

  #evaluate(
    rule: CompiledRule,
    action: CompiledAction,
    facts: Facts,
    history: readonly ContactRecord[],
    env: { mode: 'push' | 'pull'; now: number; zone: string; store: string | undefined; installed: ReadonlyMap<string, ChannelCapabilities>; placement: string | undefined },
  ): Working {
    const w: Working = { rule, action, status: 'eligible', reasons: [], channels: [] }
    const block = (status: CandidateStatus, policy: string, reason: string): Working => {
      w.status = status
      w.policy = policy
      w.reasons.push(reason)
      return w
    }
    const { now, zone } = env
    const policies = this.#deps.policies
    if (action.validFrom !== undefined && now < action.validFrom) return block('ineligible', 'validity', `not valid before ${new Date(action.validFrom).toISOString()}`)
    if (action.validUntil !== undefined && now > action.validUntil) return block('ineligible', 'validity', `expired at ${new Date(action.validUntil).toISOString()}`)
    if (env.mode === 'pull' && action.placements && env.placement !== undefined && !action.placements.has(env.placement)) {
      return block('ineligible', 'placement', `not shown at ${env.placement}`)
    }
    if (!action.eligibility(facts)) return block('ineligible', 'eligibility', `eligibility of ${action.id} not met`)
    const itemValue = (rule.item ?? action.item)?.(facts)
    if (typeof itemValue === 'string') {
      w.item = itemValue
      const bought = facts.profile?.interests[itemValue]?.purchased
      if (bought !== undefined && Date.parse(bought) >= now - policies.boughtWithinMs) {
        return block('blocked', 'suppression.bought_recently', `bought ${itemValue} at ${bought}: not promoted again`)
      }
    }
    const mine = history.filter((c) => c.actionId === action.id)
    if (action.cooldownMs !== undefined) {
      const last = mine.at(-1)
      if (last && last.at > now - action.cooldownMs) return block('blocked', 'cooldown', `cool-down: ${action.id} was planned at ${new Date(last.at).toISOString()}`)
    }
    if (action.maxPerCustomer !== undefined) {
      const since = action.maxPerCustomerWithinMs === undefined ? -Infinity : now - action.maxPerCustomerWithinMs
      const n = mine.filter((c) => c.at >= since).length
      if (n >= action.maxPerCustomer) return block('blocked', 'max_per_customer', `already planned ${n} time(s), max ${action.maxPerCustomer}`)
    }
    if (env.mode === 'pull') return w

    // Channel choice: in order, keeping those with consent, reachability and an address.
    const wanted = rule.channels ?? action.channels
    if (wanted.length === 0) return block('blocked', 'no_channel', `${action.id} names no channel`)
    const refused: string[] = []
    let firstPolicy: string | undefined
    for (const channel of wanted) {
      const verdict = channelVerdict(channel, env.installed.get(channel), facts.profile, action.purpose, env.store)
      if (verdict.ok) w.channels.push(channel)
      else {
        refused.push(verdict.reason)
        firstPolicy ??= verdict.policy
      }
    }
    if (w.channels.length === 0) return block('blocked', firstPolicy ?? 'no_channel', `no usable channel: ${refused.join('; ')}`)
    if (refused.length > 0) w.reasons.push(`channels skipped: ${refused.join('; ')}`)
    if (action.kind === 'staff') return w

    const messages = history.filter((c) => c.kind === 'message')
    // One moment, one message.
    const lastMessage = messages.at(-1)
    if (lastMessage && lastMessage.at > now - policies.momentMs) {
      return block('blocked', 'moment', `a message (${lastMessage.actionId}) went out at ${new Date(lastMessage.at).toISOString()}: one message per moment`)
    }

    // Caps, counted in the customer's local day and week.
    const dayStart = startOfLocal(now, zone, 'day')
    const weekStart = startOfLocal(now, zone, 'week')
    const over = (cap: { day?: number; week?: number }, list: readonly ContactRecord[]): string | undefined => {
      if (cap.day !== undefined && list.filter((c) => c.at >= dayStart).length >= cap.day) return 'day'
      if (cap.week !== undefined && list.filter((c) => c.at >= weekStart).length >= cap.week) return 'week'
      return undefined
    }
    const overall = over(policies.overall, messages)
    if (overall) return block('blocked', `cap.${overall}`, `overall cap per ${overall} reached (${zone})`)
    const capped: string[] = []
    w.channels = w.channels.filter((channel) => {
      const cap = policies.perChannel.get(channel)
      const hit = cap && over(cap, messages.filter((c) => c.channel === channel))
      if (hit) capped.push(`${channel} (per ${hit})`)
      return !hit
    })
    if (w.channels.length === 0) return block('blocked', 'cap.channel', `channel caps reached: ${capped.join(', ')}`)
    if (capped.length > 0) w.reasons.push(`channels over their cap: ${capped.join(', ')}`)

    // Quiet hours in the customer's zone.
    const quiet = policies.quietHours
    if (quiet && inWindow(facts.context.localMinutes, quiet.from, quiet.to)) {
      const mode = rule.quietHours ?? action.quietHours
      if (mode === 'drop') return block('blocked', 'quiet_hours', `quiet hours (${facts.context.localTime} ${zone}): dropped`)
      if (mode === 'defer') {
        w.status = 'deferred'
        w.policy = 'quiet_hours'
        w.deferUntil = nextLocalTime(now, zone, quiet.to)
        w.reasons.push(`quiet hours (${facts.context.localTime} ${zone}): deferred to ${new Date(w.deferUntil).toISOString()}`)
      }
    }
    return w
  }
}

/** The event a decisioning timer publishes when due. */
export function timerEvent(customerId: string, timerId: string, purpose: string, payload: Record<string, unknown>): EventInput {
  return { type: 'timer.fired', source: 'system', identity: { customerId }, data: { timerId, purpose, payload } }
}

/** The facts of an accepted event, as rules read them (and timers carry them). */
export function eventFacts(event: OmoEvent): EventFacts {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time,
    data: event.data,
    ...(event.storeId === undefined ? {} : { storeId: event.storeId }),
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    ...(event.location === undefined ? {} : { location: event.location }),
  }
}

/** What staff see about a customer on a card: traits, recent items, answers (no identifiers). */
export function profileSummary(profile: Profile): Record<string, unknown> {
  const traits: Record<string, unknown> = {}
  for (const [name, trait] of Object.entries(profile.traits)) traits[name] = trait.value
  const recent = (kind: string): Array<{ sku: string; at: string }> =>
    Object.entries(profile.interests)
      .flatMap(([sku, kinds]) => {
        const at = (kinds as Record<string, string | undefined>)[kind]
        return at === undefined ? [] : [{ sku, at }]
      })
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, 5)
  return {
    id: profile.id,
    traits,
    purchased: recent('purchased'),
    viewed: recent('viewed'),
    triedOn: recent('tried_on'),
    answers: profile.answers.slice(-5).map((a) => ({ question: a.question ?? a.questionId, answer: a.answer, at: a.at })),
  }
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`
}
