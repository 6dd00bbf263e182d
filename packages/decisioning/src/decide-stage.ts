import type { Candidate, Clock, Decision, EventInput, OmoEvent, PipelineContext, Scheduler, Stage } from '@omotenashi/core'
import { matchesInterest, type InterestKind, type Profile, type ProfileStore } from '@omotenashi/profile'
import type { ContactHistory } from './contact-history.js'
import { type DecisionEngine, TimerPurposes, eventFacts, timerEvent, type Proposal } from './engine.js'
import type { EventFacts, Facts } from './facts.js'
import { localTimeOf, nextLocalTime } from './local-time.js'
import type { ResponseModel } from './response-model.js'
import type { CompiledRule } from './rule-set.js'

/** Event types the decisioning module adds to the hub's catalogue. */
export const DecisioningEvents = {
  /** One member of a product-level audience, decided in their own partition with their profile. */
  audienceMatched: 'decisioning.audience_matched',
  /** The next page of a bounded, streamed fan-out. */
  fanOutContinued: 'decisioning.fanout_continued',
} as const

/** Options of {@link DecideStage}. */
export interface DecideStageOptions {
  readonly engine: DecisionEngine
  readonly scheduler: Scheduler
  readonly history: ContactHistory
  readonly model: ResponseModel
  readonly clock: Clock
  /** Streams audiences for product-level triggers; without it, audience rules cannot fan out. */
  readonly profiles?: () => ProfileStore | undefined
  /** Most people one product-level trigger reaches. Default 10 000. */
  readonly maxAudience?: number
  /** People emitted per step of a fan-out (each step is one event). Default 500. */
  readonly fanOutPage?: number
  /** How long after an exposure an outcome is attributed to it. Default 7 days. */
  readonly attributionWindowMs?: number
  /** Outcome event types counted as a success. */
  readonly successOn?: ReadonlySet<string>
  /** Called with each push decision as it is made (the hub then records it and fires `decision.made`). */
  readonly onDecision?: (decision: Decision) => void
}

const PURCHASES = new Set(['pos.purchased', 'order.placed'])

/** Default outcome events that count as a success for the response model. */
export const DEFAULT_SUCCESS_EVENTS: readonly string[] = ['message.opened', 'message.clicked', 'coupon.redeemed', 'offer.responded', 'pos.purchased', 'order.placed']

/**
 * The hub's decide stage: learns from outcomes, cancels waits, matches the event's rules,
 * fans product-level triggers out to their audience, schedules waits and deferrals, and
 * pushes each decision onto the pipeline context (the hub records it; the act stage sends it).
 */
export class DecideStage implements Stage {
  readonly #o: DecideStageOptions
  readonly #success: ReadonlySet<string>

  constructor(options: DecideStageOptions) {
    this.#o = options
    this.#success = options.successOn ?? new Set(DEFAULT_SUCCESS_EVENTS)
  }

  run(context: PipelineContext): void | Promise<void> {
    const event = context.event
    const rules = this.#o.engine.rules
    const relevant =
      rules.rulesFor(event.type).length > 0 ||
      rules.cancellers(event.type).length > 0 ||
      this.#success.has(event.type) ||
      event.type === 'message.sent' ||
      event.type === 'timer.fired' ||
      event.type === DecisioningEvents.audienceMatched ||
      event.type === DecisioningEvents.fanOutContinued
    // The fast path: most events concern no rule at all and cost one map lookup here.
    if (!relevant) return undefined
    return this.#o.onDecision ? this.#run(context) : this.#process(context)
  }

  async #run(context: PipelineContext): Promise<void> {
    const before = context.decisions.length
    await this.#process(context)
    if (this.#o.onDecision) for (const decision of context.decisions.slice(before)) this.#o.onDecision(decision)
  }

  async #process(context: PipelineContext): Promise<void> {
    // Runs for every event a rule concerns: the steps that have nothing to do for this event
    // type are skipped without a call (each async step costs a promise and a turn).
    const event = context.event
    const type = event.type
    const customerId = context.customerId
    const profile = context.profile as unknown as Profile | undefined
    if (customerId !== undefined) {
      if (type === 'message.sent' || this.#success.has(type)) await this.#learn(event, customerId, profile)
      if (this.#o.engine.rules.cancellers(type).length > 0) await this.#cancelWaits(event, customerId)
    }
    if (type === 'timer.fired') return this.#onTimer(context, customerId, profile)
    if (type === DecisioningEvents.audienceMatched) return this.#onAudienceMember(context, customerId, profile)
    if (type === DecisioningEvents.fanOutContinued) return this.#fanOut(context, event.data as unknown as FanOutPayload)
    const engine = this.#o.engine
    const now = this.#o.clock.now()
    const facts = engine.facts(eventFacts(event), profile, now)
    const matched = engine.matchNow(type, facts, customerId)
    const fired = Array.isArray(matched) ? matched : await matched
    if (fired.length === 0) return
    let plain = true
    for (const rule of fired) if (rule.audience || rule.wait) plain = false
    let immediate: readonly CompiledRule[] = fired // the usual case: every rule fired decides now
    if (!plain) {
      const direct: CompiledRule[] = []
      for (const rule of fired) {
        if (rule.audience) await this.#fanOut(context, { ruleId: rule.id, trigger: facts.event, offset: 0, sku: String(rule.audience.item(facts) ?? '') })
        else if (customerId === undefined) continue // an event about no one can only fan out
        else if (rule.wait) await this.#startWait(context, rule, facts, customerId)
        else direct.push(rule)
      }
      immediate = direct
    }
    if (customerId === undefined || immediate.length === 0) return
    await this.#decide(context, customerId, facts, `dn:${event.id}`, type, proposalsOf(immediate))
  }

  async #decide(context: PipelineContext, customerId: string, facts: Facts, decisionId: string, trigger: string, proposals: Proposal[], notes: Candidate[] = []): Promise<void> {
    const result = await this.#o.engine.decide({ customerId, facts, decisionId, trigger, proposals, mode: 'push', notes })
    for (const contact of result.contacts) await this.#o.history.record(contact)
    for (const timer of result.timers) await this.#o.scheduler.schedule(timer)
    const segment = this.#o.engine.segmentOf(facts)
    for (const c of result.decision.candidates) {
      if (c.status !== 'holdout' && !(c.status === 'won' && planned(result.decision.actions, c.actionId))) continue
      const action = this.#o.engine.rules.actions.get(c.actionId)
      if (!action || action.kind !== 'message') continue
      const rule = c.ruleId === undefined ? undefined : this.#o.engine.rules.rule(c.ruleId)
      const promoted = (rule?.item ?? action.item)?.(facts)
      const item = typeof promoted === 'string' ? promoted : undefined
      this.#o.model.expose({
        key: `${decisionId}:${c.actionId}`,
        customerId,
        actionId: c.actionId,
        segment,
        group: c.status === 'holdout' ? 'holdout' : 'treatment',
        at: facts.context.now,
        ...(item === undefined ? {} : { item }),
      })
    }
    context.decisions.push(result.decision)
  }

  async #startWait(context: PipelineContext, rule: CompiledRule, facts: Facts, customerId: string): Promise<void> {
    const wait = rule.wait!
    const now = facts.context.now
    let due: number
    if (wait.forMs !== undefined) due = now + wait.forMs
    else {
      due = nextLocalTime(now, facts.context.timeZone, wait.atMinutes!)
      const sameDay = localTimeOf(due, facts.context.timeZone).localDate === facts.context.localDate
      if (!sameDay && wait.ifPassed === 'skip') {
        context.decisions.push(this.#note(customerId, `dn:${facts.event.id}:${rule.id}`, facts, rule, 'ineligible', 'wait.passed', `${pad(wait.atMinutes!)} has passed today (${facts.context.timeZone}): skipped`))
        return
      }
      if (!sameDay && wait.ifPassed === 'now') due = now
    }
    const id = `dn:wait:${rule.id}:${facts.event.id}`
    await this.#o.scheduler.schedule({
      id,
      at: due,
      customerId,
      key: `decisioning:wait:${rule.id}`,
      event: timerEvent(customerId, id, TimerPurposes.wait, { ruleId: rule.id, event: facts.event, startedAt: now, dueAt: due }),
    })
    context.decisions.push(this.#note(customerId, `dn:${facts.event.id}:${rule.id}`, facts, rule, 'deferred', 'wait', `waiting until ${new Date(due).toISOString()}${wait.cancelOn.length ? ` unless ${wait.cancelOn.map((c) => c.event).join(' or ')}` : ''}`))
  }

  #note(customerId: string, id: string, facts: Facts, rule: CompiledRule, status: Candidate['status'], policy: string, reason: string): Decision {
    return {
      id,
      at: new Date(facts.context.now).toISOString(),
      customerId,
      eventId: facts.event.id,
      trigger: facts.event.type,
      candidates: rule.actions.map((actionId) => ({ actionId, ruleId: rule.id, status, policy, reasons: [`rule ${rule.id}@${rule.version}`, reason] })),
      actions: [],
    }
  }

  async #onTimer(context: PipelineContext, customerId: string | undefined, profile: Profile | undefined): Promise<void> {
    const data = context.event.data as { purpose?: string; timerId?: string; payload?: Record<string, unknown> }
    if (customerId === undefined || (data.purpose !== TimerPurposes.wait && data.purpose !== TimerPurposes.deferred)) return
    const payload = data.payload as { ruleId: string; actionId?: string; event: EventFacts; startedAt?: number; dueAt?: number } | undefined
    if (!payload) return
    const engine = this.#o.engine
    const rule = engine.rules.rule(payload.ruleId)
    if (!rule) return // the rule was removed by a reload: nothing to decide
    const now = this.#o.clock.now()
    const facts = engine.facts(payload.event, profile, now)
    const decisionId = `dn:${context.event.id}`
    const notes: Candidate[] = []
    const stop = (policy: string, reason: string): void => {
      context.decisions.push({
        id: decisionId,
        at: new Date(now).toISOString(),
        customerId,
        eventId: context.event.id,
        trigger: `${payload.event.type}+timer`,
        candidates: rule.actions.map((actionId) => ({ actionId, ruleId: rule.id, status: 'ineligible' as const, policy, reasons: [`rule ${rule.id}@${rule.version}`, reason] })),
        actions: [],
      })
    }
    if (data.purpose === TimerPurposes.wait) {
      const wait = rule.wait
      if (!wait) return
      if (wait.expireAfterMs !== undefined && payload.dueAt !== undefined && now - payload.dueAt > wait.expireAfterMs) {
        return stop('wait.expired', `fired ${Math.round((now - payload.dueAt) / 60_000)} min late, past expireAfter: the moment has gone`)
      }
      for (const cancel of wait.cancelOn) {
        // A purchase recorded on the profile cancels too, even if it came through another event type.
        if (!cancel.sameItem || !PURCHASES.has(cancel.event)) continue
        const sku = cancel.sameItem(facts)
        const bought = typeof sku === 'string' ? profile?.interests[sku]?.purchased : undefined
        if (bought !== undefined && payload.startedAt !== undefined && Date.parse(bought) >= payload.startedAt) {
          return stop('wait.cancelled', `${sku} was bought at ${bought}`)
        }
      }
      if (wait.condition && !wait.condition(facts)) return stop('wait.condition', 'the re-check at the end of the wait did not hold')
      return this.#decide(context, customerId, facts, decisionId, `${payload.event.type}+wait`, proposalsOf([rule]), notes)
    }
    // A quiet-hours deferral: decided afresh (consent, caps, stock as they are now).
    if (!rule.condition(facts)) return stop('condition', 'the rule no longer holds')
    return this.#decide(context, customerId, facts, decisionId, `${payload.event.type}+deferred`, [{ rule, actionId: payload.actionId! }])
  }

  async #cancelWaits(event: OmoEvent, customerId: string): Promise<void> {
    const cancellers = this.#o.engine.rules.cancellers(event.type)
    if (cancellers.length === 0) return
    const timers = await this.#o.scheduler.list(customerId)
    const cancelling = this.#o.engine.facts(eventFacts(event), undefined, this.#o.clock.now())
    const items = new Set(skusOf(event))
    for (const timer of timers) {
      const data = timer.event.data as { purpose?: string; payload?: { ruleId?: string; event?: EventFacts } } | undefined
      if (data?.purpose !== TimerPurposes.wait || !data.payload?.event) continue
      const waiting = this.#o.engine.facts(data.payload.event, undefined, this.#o.clock.now())
      const match = cancellers.some(({ rule, cancel }) => {
        if (rule.id !== data.payload?.ruleId) return false
        if (cancel.sameItem) {
          const sku = cancel.sameItem(waiting)
          if (typeof sku !== 'string' || !items.has(sku)) return false
        }
        if (cancel.same && cancel.same(waiting) !== cancel.same(cancelling)) return false
        return true
      })
      if (match) await this.#o.scheduler.cancel(timer.id)
    }
  }

  async #fanOut(context: PipelineContext, payload: FanOutPayload): Promise<void> {
    const engine = this.#o.engine
    const rule = engine.rules.rule(payload.ruleId)
    const store = this.#o.profiles?.()
    if (!rule?.audience || !store || payload.sku === '') return
    const audience = rule.audience
    const limit = Math.min(audience.limit ?? Infinity, this.#o.maxAudience ?? 10_000)
    const page = this.#o.fanOutPage ?? 500
    const since = audience.withinMs === undefined ? undefined : new Date(this.#o.clock.now() - audience.withinMs).toISOString()
    const query = { kind: audience.interest as InterestKind, sku: payload.sku, ...(since === undefined ? {} : { since }), ...(audience.unless === undefined ? {} : { unless: audience.unless as InterestKind }) }
    let seen = 0
    let emitted = 0
    for await (const id of store.findByInterest(query)) {
      if (seen++ < payload.offset) continue
      if (payload.offset + emitted >= limit) break
      if (emitted >= page) {
        // More to come: continue in a later step, so one event never holds an unbounded audience.
        context.emit.push({
          id: `dn:fan:${payload.trigger.id}:${rule.id}:@${payload.offset + emitted}`,
          type: DecisioningEvents.fanOutContinued,
          source: 'system',
          subject: payload.sku,
          data: { ...payload, offset: payload.offset + emitted },
          causationId: context.event.id,
        })
        return
      }
      context.emit.push(memberEvent(id, rule.id, payload, context.event.id))
      emitted++
    }
  }

  async #onAudienceMember(context: PipelineContext, customerId: string | undefined, profile: Profile | undefined): Promise<void> {
    const data = context.event.data as { ruleId?: string; sku?: string; trigger?: EventFacts }
    const rule = data.ruleId === undefined ? undefined : this.#o.engine.rules.rule(data.ruleId)
    if (!rule?.audience || customerId === undefined || !data.trigger) return
    const now = this.#o.clock.now()
    const facts = this.#o.engine.facts(data.trigger, profile, now)
    const decisionId = `dn:${context.event.id}`
    const audience = rule.audience
    // The profile may have moved on since the index was read (bought meanwhile): check again.
    const since = audience.withinMs === undefined ? undefined : new Date(now - audience.withinMs).toISOString()
    if (profile && data.sku && !matchesInterest(profile, { kind: audience.interest as InterestKind, sku: data.sku, ...(since === undefined ? {} : { since }), ...(audience.unless === undefined ? {} : { unless: audience.unless as InterestKind }) })) {
      return
    }
    await this.#decide(context, customerId, facts, decisionId, `${data.trigger.type}+audience`, proposalsOf([rule]))
  }

  async #learn(event: OmoEvent, customerId: string, _profile: Profile | undefined): Promise<void> {
    const model = this.#o.model
    const data = event.data as { actionId?: string; decisionId?: string; channel?: string; response?: string; offerId?: string }
    if (event.type === 'message.sent' && data.decisionId && data.actionId && data.channel) {
      // The contact went out on a fallback channel perhaps: count it against that channel's cap.
      const rule = (await this.#o.history.list(customerId, 0)).find((c) => c.decisionId === data.decisionId && c.actionId === data.actionId)
      if (rule) await this.#o.history.confirmChannel(customerId, rule.key, data.channel)
      return
    }
    if (!this.#success.has(event.type)) return
    const since = this.#o.clock.now() - (this.#o.attributionWindowMs ?? 7 * 86_400_000)
    if (event.type === 'offer.responded') {
      if (!data.actionId) return
      const key = data.decisionId ? `${data.decisionId}:${data.actionId}` : model.exposuresOf(customerId, since).find((e) => e.actionId === data.actionId)?.key
      if (key && data.response === 'accepted') model.succeed(key)
      return
    }
    if (event.type.startsWith('message.')) {
      if (data.decisionId && data.actionId) model.succeed(`${data.decisionId}:${data.actionId}`)
      return
    }
    if (event.type === 'coupon.redeemed') {
      const actionId = data.actionId ?? data.offerId
      const exposure = model.exposuresOf(customerId, since).find((e) => e.actionId === actionId)
      if (exposure) model.succeed(exposure.key)
      return
    }
    if (PURCHASES.has(event.type)) {
      const items = new Set(skusOf(event))
      for (const e of model.exposuresOf(customerId, since)) if (e.item !== undefined && items.has(e.item)) model.succeed(e.key)
    }
  }
}

interface FanOutPayload {
  readonly ruleId: string
  readonly sku: string
  readonly trigger: EventFacts
  readonly offset: number
}

function memberEvent(customerId: string, ruleId: string, payload: FanOutPayload, causationId: string): EventInput {
  return {
    id: `dn:fan:${payload.trigger.id}:${ruleId}:${customerId}`,
    type: DecisioningEvents.audienceMatched,
    source: 'system',
    identity: { customerId },
    subject: payload.sku,
    data: { ruleId, sku: payload.sku, trigger: payload.trigger },
    causationId,
  }
}

function proposalsOf(rules: readonly CompiledRule[]): Proposal[] {
  let n = 0
  for (const rule of rules) n += rule.actions.length
  const proposals = new Array<Proposal>(n)
  n = 0
  for (const rule of rules) for (const actionId of rule.actions) proposals[n++] = { rule, actionId }
  return proposals
}

function planned(actions: Decision['actions'], actionId: string): boolean {
  for (const a of actions) if (a.actionId === actionId) return true
  return false
}

/** The items an event concerns: `data.sku` and `data.items[].sku`. */
export function skusOf(event: Pick<OmoEvent, 'data'>): string[] {
  const out: string[] = []
  const sku = event.data['sku']
  if (typeof sku === 'string') out.push(sku)
  const items = event.data['items']
  if (Array.isArray(items)) for (const item of items) if (typeof (item as { sku?: unknown })?.sku === 'string') out.push((item as { sku: string }).sku)
  return out
}

function pad(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}
