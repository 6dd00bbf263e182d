import type { Candidate, CandidateStatus, ChannelCapabilities, Decision, EventInput, GeoPoint, Inventory, OmoEvent, OutboundMessage, PlannedAction, TimerRequest } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'
import type { CompiledAction } from './catalogue.js'
import { channelVerdict, recipientOf } from './channel-choice.js'
import type { ContactHistory, ContactRecord } from './contact-history.js'
import { NO_STOCK, stockKey, type EventFacts, type Facts } from './facts.js'
import { unitHash } from './hashing.js'
import { isoAt } from './iso-time.js'
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

/** A candidate while it is decided (every field set from the start: one shape). */
interface Working {
  readonly rule: CompiledRule
  readonly action: CompiledAction
  status: CandidateStatus
  /** Starts with the rule's own reason (`rule <id>@<version>`). */
  reasons: string[]
  policy: string | undefined
  score: number | undefined
  channels: readonly string[]
  deferUntil: number | undefined
  item: string | undefined
  substituteFor: string | undefined
}

/** What {@link DecisionEngine} evaluates every candidate of one decision against. */
interface EvaluateEnv {
  readonly mode: 'push' | 'pull'
  readonly now: number
  readonly zone: string
  readonly store: string | undefined
  readonly installed: ReadonlyMap<string, ChannelCapabilities>
  readonly placement: string | undefined
}

const LANES = ['message', 'staff'] as const
const NO_NOTES: readonly Candidate[] = []
/** No winners yet (replaced, never written). */
const NO_WINNERS: Working[] = Object.freeze([]) as unknown as Working[]
/** The channels of a candidate not (yet) through channel choice; never written. */
const NO_CHANNELS: readonly string[] = Object.freeze([])

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
  readonly #needs = new WeakMap<RuleSet, Map<string, boolean>>()

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

  /**
   * Facts for one decision (context is lazy: local time is only computed if read). `extra` goes
   * into `context.*`; `placement`, when given, is `context.placement` whatever `extra` says (as if
   * `{ ...extra, placement }` were passed, without the copy).
   */
  facts(event: EventFacts, profile: Profile | undefined, now: number, extra?: Readonly<Record<string, unknown>>, placement?: string): Facts {
    const store = (extra?.['store'] as string | undefined) ?? event.storeId
    const context = new LazyContext(now, this.timeZoneOf(profile, store))
    let placed = false
    if (extra) {
      for (const key of Object.keys(extra)) {
        if (key === 'now' || key === 'timeZone') continue
        if (key === 'placement' && placement !== undefined) {
          context.placement = placement
          placed = true
        } else context[key] = extra[key]
      }
    }
    if (placement !== undefined && !placed) context.placement = placement
    if (store !== undefined) context.store = store
    return { event, profile, context: context as unknown as Facts['context'], stock: NO_STOCK }
  }

  /** Looks up the stock and context providers `rules` (and their actions) read, into `facts`. */
  async prefetch(facts: Facts, rules: readonly CompiledRule[], customerId: string | undefined): Promise<void> {
    await this.#prefetch(facts, rules, customerId)
  }

  /** {@link prefetch}, synchronous when the rules read no stock and no context provider (the usual case). */
  #prefetch(facts: Facts, rules: readonly CompiledRule[], customerId: string | undefined): void | Promise<void> {
    const set = this.rules
    let reads = false
    for (const rule of rules) if (readsLookups(rule, set)) reads = true
    if (!reads) return undefined
    return this.#fetch(facts, rules, customerId, set)
  }

  async #fetch(facts: Facts, rules: readonly CompiledRule[], customerId: string | undefined, set: RuleSet): Promise<void> {
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
    const set = this.rules
    // Asked on every event and pull decision: remembered per rule set and trigger (providers are fixed).
    let known = this.#needs.get(set)
    if (!known) this.#needs.set(set, (known = new Map()))
    let needs = known.get(trigger)
    if (needs === undefined) {
      const providers = this.#deps.contextProviders ?? {}
      needs = set.rulesFor(trigger).some((r) => r.stockLookups.length > 0 || [...r.contextKeys].some((k) => k in providers))
      known.set(trigger, needs)
    }
    return needs
  }

  /** Matches the rules of `trigger` against `facts` (prefetching what they read first). */
  async match(trigger: string, facts: Facts, customerId: string | undefined): Promise<CompiledRule[]> {
    return this.matchNow(trigger, facts, customerId)
  }

  /**
   * {@link match} without a promise when nothing needs fetching first: the decide stage and the
   * pull decider call it on every event and request.
   * @internal
   */
  matchNow(trigger: string, facts: Facts, customerId: string | undefined): CompiledRule[] | Promise<CompiledRule[]> {
    if (!this.needsPrefetch(trigger)) return this.rules.match(trigger, facts)
    return this.prefetch(facts, this.rules.rulesFor(trigger), customerId).then(() => this.rules.match(trigger, facts))
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
    // Runs for every event a rule fires on and every pull request: written with loops and no
    // per-call closures, spreads or copies (they were most of its cost and garbage).
    const { facts, customerId, mode } = request
    const now = facts.context.now
    const set = this.rules
    const policies = this.#deps.policies
    const profile = facts.profile
    const proposals = request.proposals
    let reads = false
    for (const p of proposals) if (readsLookups(p.rule, set)) reads = true
    if (reads) await this.#fetch(facts, rulesOf(proposals), customerId, set)
    // A redelivered event is decided again under the same decision id: its own earlier contacts
    // must not count against it. Only those: audience decisions share the trigger event, but
    // each has its own decision id, so they still see each other's sends (caps, one per moment).
    const history = withoutDecision(await this.#deps.history.list(customerId, 0), request.decisionId)
    const zone = facts.context.timeZone
    const locale = profile?.locale ?? policies.defaultLocale
    const segment = this.segmentOf(facts)
    const store = facts.context.store
    const installed = this.#deps.channels()

    // One proposal per action: the strongest rule's (then the earliest). The queue holds every
    // action considered, substitutes included, each once.
    const queue = onePerAction(proposals)
    // Arrays here are made at their final size: an array grown by push reserves room for 16 more.
    let working: Working[] = new Array<Working>(queue.length)
    let evaluated = 0
    const env: EvaluateEnv = { mode, now, zone, store, installed, placement: request.placement }
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i]!
      const action = set.actions.get(p.actionId)
      if (!action) continue
      const w = this.#evaluate(p.rule, action, facts, history, env)
      if (p.substituteFor !== undefined) {
        w.substituteFor = p.substituteFor
        // After the rule's own reason, which always comes first.
        w.reasons.splice(1, 0, `instead of ${p.substituteFor} (bought recently)`)
      }
      if (evaluated < working.length) working[evaluated++] = w
      else {
        working = appended(working, w)
        evaluated++
      }
      if (w.policy === 'suppression.bought_recently' && action.insteadIfBought !== undefined && !queued(queue, action.insteadIfBought)) {
        queue.push({ rule: p.rule, actionId: action.insteadIfBought, substituteFor: action.id })
      }
    }

    if (evaluated < working.length) working.length = evaluated
    // Score what survived.
    for (const w of working) {
      if (w.status !== 'eligible' && w.status !== 'deferred') continue
      const propensity = this.#propensity(w.action, customerId, segment, profile, request.trigger)
      w.score = propensity * w.rule.weight * w.action.value * w.action.lever
      addReason(w, `score ${round(w.score)} = propensity ${round(propensity)} × weight ${w.rule.weight} × value ${w.action.value} × lever ${w.action.lever}`)
    }

    let winners: Working[] = NO_WINNERS
    const timers: TimerRequest[] = []
    let heldOut = false
    if (mode === 'pull') {
      const limit = request.limit ?? 1
      const eligible = ranked(withStatus(working, undefined, 'eligible'))
      for (const w of eligible) {
        if (winners.length >= limit) {
          addReason(w, `ranked below the top ${limit}`)
          continue
        }
        if (this.#heldOut(customerId, w.action)) {
          w.status = 'holdout'
          addReason(w, `customer is in the ${pct(w.action.holdout)} holdout of ${w.action.id}`)
          continue
        }
        w.status = 'won'
        winners = appended(winners, w)
      }
    } else {
      for (const lane of LANES) {
        // The first of each lane as ranked: the eligible, else the deferred.
        const best = bestOf(working, lane, 'eligible') ?? bestOf(working, lane, 'deferred')
        if (!best) continue
        for (const other of working) {
          if (other.action.kind === lane && other !== best && (other.status === 'eligible' || other.status === 'deferred')) {
            other.status = 'eligible'
            addReason(other, `lost to ${best.action.id}${lane === 'message' ? ' (one message per moment)' : ''}`)
          }
        }
        if (this.#heldOut(customerId, best.action)) {
          best.status = 'holdout'
          addReason(best, `customer is in the ${pct(best.action.holdout)} holdout of ${best.action.id}: recorded, not sent`)
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
        winners = appended(winners, best)
      }
    }

    const actions: PlannedAction[] = []
    const contacts: ContactRecord[] = []
    if (mode === 'push' && winners.length > 0) {
      const recipient = recipientOf(customerId, profile, locale, zone)
      for (const w of winners) {
        const idempotencyKey = `${request.decisionId}:${w.rule.id}:${w.action.id}`
        const vars = this.#variables(w.rule, w.action, facts)
        const message = messageOf(w.action.render(withVars(facts, vars), locale, w.channels), w.action.id, request.decisionId, store)
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
    const notes = request.notes ?? NO_NOTES
    const candidates = new Array<Candidate>(notes.length + working.length)
    for (let i = 0; i < notes.length; i++) candidates[i] = notes[i]!
    for (let i = 0; i < working.length; i++) candidates[notes.length + i] = candidateOf(working[i]!)
    const at = isoAt(now)
    const decision: { -readonly [K in keyof Decision]: Decision[K] } = request.trigger.startsWith('placement:')
      ? { id: request.decisionId, at, customerId, placement: request.placement ?? request.trigger.slice(10), trigger: request.trigger, candidates, actions }
      : { id: request.decisionId, at, customerId, eventId: facts.event.id, trigger: request.trigger, candidates, actions }
    if (heldOut && actions.length === 0) decision.holdout = true
    const best = new Array<DecideResult['ranked'][number]>(winners.length)
    for (let i = 0; i < winners.length; i++) {
      const w = winners[i]!
      // A note about the same action and rule would come first (the decision lists notes first).
      let candidate = notes.length === 0 ? undefined : notes.find((c) => c.actionId === w.action.id && c.ruleId === w.rule.id)
      candidate ??= candidates[notes.length + working.indexOf(w)]!
      best[i] = { candidate, action: w.action, rule: w.rule }
    }
    return { decision, contacts, timers, ranked: best }
  }

  /** Renders a winner's message content for a pull answer. */
  renderFor(action: CompiledAction, rule: CompiledRule, facts: Facts, decisionId: string): PlannedAction['message'] {
    const locale = facts.profile?.locale ?? this.#deps.policies.defaultLocale
    const vars = this.#variables(rule, action, facts)
    return messageOf(action.render(withVars(facts, vars), locale, action.channels), action.id, decisionId, facts.context.store)
  }

  #variables(rule: CompiledRule, action: CompiledAction, facts: Facts): Record<string, unknown> {
    const vars: Record<string, unknown> = {}
    for (const [name, get] of rule.variables) vars[name] = get(facts)
    if (action.kind === 'staff' && facts.profile) vars['customer'] ??= profileSummary(facts.profile)
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

  #evaluate(rule: CompiledRule, action: CompiledAction, facts: Facts, history: readonly ContactRecord[], env: EvaluateEnv): Working {
    const w: Working = {
      rule,
      action,
      status: 'eligible',
      // The rule's own reason first: the candidate is recorded with these reasons as they are.
      reasons: [`rule ${rule.id}@${rule.version}`],
      policy: undefined,
      score: undefined,
      channels: NO_CHANNELS,
      deferUntil: undefined,
      item: undefined,
      substituteFor: undefined,
    }
    const { now, zone } = env
    const policies = this.#deps.policies
    if (action.validFrom !== undefined && now < action.validFrom) return block(w, 'ineligible', 'validity', `not valid before ${new Date(action.validFrom).toISOString()}`)
    if (action.validUntil !== undefined && now > action.validUntil) return block(w, 'ineligible', 'validity', `expired at ${new Date(action.validUntil).toISOString()}`)
    if (env.mode === 'pull' && action.placements && env.placement !== undefined && !action.placements.has(env.placement)) {
      return block(w, 'ineligible', 'placement', `not shown at ${env.placement}`)
    }
    if (!action.eligibility(facts)) return block(w, 'ineligible', 'eligibility', `eligibility of ${action.id} not met`)
    const itemValue = (rule.item ?? action.item)?.(facts)
    if (typeof itemValue === 'string') {
      w.item = itemValue
      const bought = facts.profile?.interests[itemValue]?.purchased
      if (bought !== undefined && Date.parse(bought) >= now - policies.boughtWithinMs) {
        return block(w, 'blocked', 'suppression.bought_recently', `bought ${itemValue} at ${bought}: not promoted again`)
      }
    }
    if (action.cooldownMs !== undefined) {
      const last = lastOf(history, action.id, undefined)
      if (last && last.at > now - action.cooldownMs) return block(w, 'blocked', 'cooldown', `cool-down: ${action.id} was planned at ${new Date(last.at).toISOString()}`)
    }
    if (action.maxPerCustomer !== undefined) {
      const since = action.maxPerCustomerWithinMs === undefined ? -Infinity : now - action.maxPerCustomerWithinMs
      const n = countSince(history, action.id, since)
      if (n >= action.maxPerCustomer) return block(w, 'blocked', 'max_per_customer', `already planned ${n} time(s), max ${action.maxPerCustomer}`)
    }
    if (env.mode === 'pull') return w

    // Channel choice: in order, keeping those with consent, reachability and an address.
    const wanted = rule.channels ?? action.channels
    if (wanted.length === 0) return block(w, 'blocked', 'no_channel', `${action.id} names no channel`)
    let channels: string[] = []
    let refused: string | undefined // the reasons, joined by '; '
    let firstPolicy: string | undefined
    for (const channel of wanted) {
      const verdict = channelVerdict(channel, env.installed.get(channel), facts.profile, action.purpose, env.store)
      if (verdict.ok) channels = appended(channels, channel)
      else {
        refused = refused === undefined ? verdict.reason : `${refused}; ${verdict.reason}`
        firstPolicy ??= verdict.policy
      }
    }
    w.channels = channels
    if (channels.length === 0) return block(w, 'blocked', firstPolicy ?? 'no_channel', `no usable channel: ${refused}`)
    if (refused !== undefined) addReason(w, `channels skipped: ${refused}`)
    if (action.kind === 'staff') return w

    // One moment, one message.
    const lastMessage = lastOf(history, undefined, 'message')
    if (lastMessage && lastMessage.at > now - policies.momentMs) {
      return block(w, 'blocked', 'moment', `a message (${lastMessage.actionId}) went out at ${new Date(lastMessage.at).toISOString()}: one message per moment`)
    }

    // Caps, counted in the customer's local day and week (worked out only when there are messages to count).
    const starts = new LocalStarts(now, zone)
    const overall = overCap(policies.overall, history, undefined, starts)
    if (overall) return block(w, 'blocked', `cap.${overall}`, `overall cap per ${overall} reached (${zone})`)
    if (policies.perChannel.size > 0) {
      let capped: string | undefined // joined by ', '
      let open: string[] = []
      for (const channel of channels) {
        const cap = policies.perChannel.get(channel)
        const hit = cap && overCap(cap, history, channel, starts)
        if (hit) capped = capped === undefined ? `${channel} (per ${hit})` : `${capped}, ${channel} (per ${hit})`
        else open = appended(open, channel)
      }
      w.channels = open
      if (open.length === 0) return block(w, 'blocked', 'cap.channel', `channel caps reached: ${capped}`)
      if (capped !== undefined) addReason(w, `channels over their cap: ${capped}`)
    }

    // Quiet hours in the customer's zone.
    const quiet = policies.quietHours
    if (quiet && inWindow(facts.context.localMinutes, quiet.from, quiet.to)) {
      const mode = rule.quietHours ?? action.quietHours
      if (mode === 'drop') return block(w, 'blocked', 'quiet_hours', `quiet hours (${facts.context.localTime} ${zone}): dropped`)
      if (mode === 'defer') {
        w.status = 'deferred'
        w.policy = 'quiet_hours'
        w.deferUntil = nextLocalTime(now, zone, quiet.to)
        addReason(w, `quiet hours (${facts.context.localTime} ${zone}): deferred to ${new Date(w.deferUntil).toISOString()}`)
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
  // Built key by key (in this order) rather than by spreads: one per event that rules read.
  const facts: { -readonly [K in keyof EventFacts]: EventFacts[K] } = { id: event.id, type: event.type, source: event.source, time: event.time, data: event.data }
  if (event.storeId !== undefined) facts.storeId = event.storeId
  if (event.subject !== undefined) facts.subject = event.subject
  if (event.location !== undefined) facts.location = event.location
  return facts
}

/** What staff see about a customer on a card: traits, recent items, answers (no identifiers). */
export function profileSummary(profile: Profile): Record<string, unknown> {
  // Every pull answer with a profile builds one: one pass over the interests, no intermediate arrays.
  const traits: Record<string, unknown> = {}
  for (const name of Object.keys(profile.traits)) traits[name] = profile.traits[name]!.value
  const purchased: Array<{ sku: string; at: string }> = []
  const viewed: Array<{ sku: string; at: string }> = []
  const triedOn: Array<{ sku: string; at: string }> = []
  for (const sku of Object.keys(profile.interests)) {
    const kinds = profile.interests[sku] as Record<string, string | undefined>
    if (kinds['purchased'] !== undefined) purchased.push({ sku, at: kinds['purchased'] })
    if (kinds['viewed'] !== undefined) viewed.push({ sku, at: kinds['viewed'] })
    if (kinds['tried_on'] !== undefined) triedOn.push({ sku, at: kinds['tried_on'] })
  }
  const answers: Array<{ question: unknown; answer: unknown; at: string }> = []
  for (let i = Math.max(0, profile.answers.length - 5); i < profile.answers.length; i++) {
    const a = profile.answers[i]!
    answers.push({ question: a.question ?? a.questionId, answer: a.answer, at: a.at })
  }
  return { id: profile.id, traits, purchased: latest(purchased), viewed: latest(viewed), triedOn: latest(triedOn), answers }
}

/** The five most recent, newest first (ties keep their order). */
function latest(list: Array<{ sku: string; at: string }>): Array<{ sku: string; at: string }> {
  if (list.length > 1) list.sort(byAtDescending)
  if (list.length > 5) list.length = 5
  return list
}

function byAtDescending(a: { readonly at: string }, b: { readonly at: string }): number {
  return b.at.localeCompare(a.at)
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`
}

/** The facts a message is rendered with: the decision's, and the rule's template variables. */
function withVars(facts: Facts, vars: Readonly<Record<string, unknown>>): Facts {
  // Key by key, in the order engine.facts() makes them (a spread of facts is a slow generic copy).
  const { event, profile, context, stock, segmentMemo } = facts
  return segmentMemo === undefined ? { event, profile, context, stock, vars } : { event, profile, context, stock, segmentMemo, vars }
}

/** A rendered message with its action, decision and store (the keys in that order, after the content's). */
function messageOf(rendered: Omit<OutboundMessage, 'actionId'>, actionId: string, decisionId: string, storeId: string | undefined): OutboundMessage {
  const message: { -readonly [K in keyof OutboundMessage]: OutboundMessage[K] } = { ...rendered, actionId, decisionId }
  if (storeId !== undefined) message.storeId = storeId
  return message
}

/** Ranks candidates: score, then the action's priority, then book order, then action id. */
function rank(a: Working, b: Working): number {
  return (b.score ?? 0) - (a.score ?? 0) || b.action.priority - a.action.priority || a.rule.index - b.rule.index || (a.action.id < b.action.id ? -1 : a.action.id > b.action.id ? 1 : 0)
}

/**
 * `list.sort(rank)`, in place: a stable insertion sort, as Array#sort is stable, without the
 * scratch space Array#sort allocates (decisions rank a handful of candidates).
 */
function ranked(list: Working[]): Working[] {
  if (list.length > 16) return list.sort(rank)
  for (let i = 1; i < list.length; i++) {
    const w = list[i]!
    let j = i - 1
    while (j >= 0 && rank(list[j]!, w) > 0) {
      list[j + 1] = list[j]!
      j--
    }
    list[j + 1] = w
  }
  return list
}

interface Queued {
  readonly rule: CompiledRule
  readonly actionId: string
  readonly substituteFor: string | undefined
}

/** One proposal per action, in the order actions first appear: the strongest rule's, then the earliest. */
function onePerAction(proposals: readonly Proposal[]): Queued[] {
  const queue: Queued[] = []
  if (proposals.length > 16) {
    const byAction = new Map<string, Proposal>()
    for (const p of proposals) {
      const seen = byAction.get(p.actionId)
      if (!seen || p.rule.weight > seen.rule.weight) byAction.set(p.actionId, p)
    }
    for (const p of byAction.values()) queue.push({ rule: p.rule, actionId: p.actionId, substituteFor: undefined })
    return queue
  }
  let repeated = false
  for (let i = 1; i < proposals.length && !repeated; i++) for (let j = 0; j < i; j++) if (proposals[j]!.actionId === proposals[i]!.actionId) repeated = true
  if (!repeated) {
    // The usual case: every action proposed once, by one rule.
    const all = new Array<Queued>(proposals.length)
    for (let i = 0; i < proposals.length; i++) all[i] = { rule: proposals[i]!.rule, actionId: proposals[i]!.actionId, substituteFor: undefined }
    return all
  }
  next: for (const p of proposals) {
    for (let i = 0; i < queue.length; i++) {
      if (queue[i]!.actionId !== p.actionId) continue
      if (p.rule.weight > queue[i]!.rule.weight) queue[i] = { rule: p.rule, actionId: p.actionId, substituteFor: undefined }
      continue next
    }
    queue.push({ rule: p.rule, actionId: p.actionId, substituteFor: undefined })
  }
  return queue
}

function queued(queue: readonly Queued[], actionId: string): boolean {
  for (const q of queue) if (q.actionId === actionId) return true
  return false
}

/** The candidates of a lane (or all of them) with a status, in the order they were evaluated. */
function withStatus(working: readonly Working[], lane: Working['action']['kind'] | undefined, status: CandidateStatus): Working[] {
  let n = 0
  for (const w of working) if (w.status === status && (lane === undefined || w.action.kind === lane)) n++
  const out = new Array<Working>(n)
  n = 0
  for (const w of working) if (w.status === status && (lane === undefined || w.action.kind === lane)) out[n++] = w
  return out
}

function block(w: Working, status: CandidateStatus, policy: string, reason: string): Working {
  w.status = status
  w.policy = policy
  addReason(w, reason)
  return w
}

/** Adds a reason, keeping the list exactly as long as it is (it is recorded with the decision). */
function addReason(w: Working, reason: string): void {
  w.reasons = appended(w.reasons, reason)
}

/** A copy of `list` with `item` at the end, of exactly that length (push would reserve room for 16 more). */
function appended<T>(list: readonly T[], item: T): T[] {
  const out = new Array<T>(list.length + 1)
  for (let i = 0; i < list.length; i++) out[i] = list[i]!
  out[list.length] = item
  return out
}

/** The first of `lane`'s candidates with `status` as {@link rank} orders them (the earliest among equals, as a stable sort). */
function bestOf(working: readonly Working[], lane: Working['action']['kind'], status: CandidateStatus): Working | undefined {
  let best: Working | undefined
  for (const w of working) if (w.action.kind === lane && w.status === status && (best === undefined || rank(w, best) < 0)) best = w
  return best
}

/** A working candidate as the decision records it (the same keys, in the same order, as always). */
function candidateOf(w: Working): Candidate {
  const { id: actionId } = w.action
  const ruleId = w.rule.id
  const { score, status, reasons, policy } = w
  if (score === undefined) return policy === undefined ? { actionId, ruleId, status, reasons } : { actionId, ruleId, status, reasons, policy }
  return policy === undefined ? { actionId, ruleId, score, status, reasons } : { actionId, ruleId, score, status, reasons, policy }
}

function rulesOf(proposals: readonly Proposal[]): CompiledRule[] {
  const rules: CompiledRule[] = []
  for (const p of proposals) rules.push(p.rule)
  return rules
}

/** The history without the contacts of `decisionId` (the same array when it has none: it is only read). */
function withoutDecision(history: readonly ContactRecord[], decisionId: string): readonly ContactRecord[] {
  for (const c of history) if (c.decisionId === decisionId) return history.filter((x) => x.decisionId !== decisionId)
  return history
}

/** The latest contact of an action, or of a kind. */
function lastOf(history: readonly ContactRecord[], actionId: string | undefined, kind: ContactRecord['kind'] | undefined): ContactRecord | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const c = history[i]!
    if ((actionId === undefined || c.actionId === actionId) && (kind === undefined || c.kind === kind)) return c
  }
  return undefined
}

/** How many contacts of an action were planned at or after `since`. */
function countSince(history: readonly ContactRecord[], actionId: string, since: number): number {
  let n = 0
  for (const c of history) if (c.actionId === actionId && c.at >= since) n++
  return n
}

/** The starts of the customer's local day and week, worked out once and only if asked (time-zone arithmetic is costly). */
class LocalStarts {
  readonly #now: number
  readonly #zone: string
  #day: number | undefined
  #week: number | undefined

  constructor(now: number, zone: string) {
    this.#now = now
    this.#zone = zone
  }

  get day(): number {
    return (this.#day ??= startOfLocal(this.#now, this.#zone, 'day'))
  }

  get week(): number {
    return (this.#week ??= startOfLocal(this.#now, this.#zone, 'week'))
  }
}

/** Which cap (`day`, then `week`) the messages (on `channel`, or all) have reached, if any. */
function overCap(cap: { readonly day?: number; readonly week?: number }, history: readonly ContactRecord[], channel: string | undefined, starts: LocalStarts): 'day' | 'week' | undefined {
  if (cap.day !== undefined && countMessages(history, channel, starts, 'day') >= cap.day) return 'day'
  if (cap.week !== undefined && countMessages(history, channel, starts, 'week') >= cap.week) return 'week'
  return undefined
}

function countMessages(history: readonly ContactRecord[], channel: string | undefined, starts: LocalStarts, unit: 'day' | 'week'): number {
  let n = 0
  for (const c of history) {
    if (c.kind !== 'message' || (channel !== undefined && c.channel !== channel)) continue
    if (c.at >= (unit === 'day' ? starts.day : starts.week)) n++
  }
  return n
}

/** What a rule needs fetched before it is matched or decided, per rule (rule sets are immutable). */
const LOOKUPS = new WeakMap<CompiledRule, { readonly set: RuleSet; readonly reads: boolean }>()

/** Whether a rule or its actions read stock or context keys (which a provider may supply). */
function readsLookups(rule: CompiledRule, set: RuleSet): boolean {
  const known = LOOKUPS.get(rule)
  if (known?.set === set) return known.reads
  let reads = rule.stockLookups.length > 0 || rule.contextKeys.size > 0
  for (const id of rule.actions) {
    const action = set.actions.get(id)
    if (action && (action.stockLookups.length > 0 || action.contextKeys.size > 0)) reads = true
  }
  LOOKUPS.set(rule, { set, reads })
  return reads
}
