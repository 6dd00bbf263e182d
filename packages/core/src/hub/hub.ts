import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'eventemitter3'
import { Container, type ContainerModule, type ServiceIdentifier } from 'inversify'
import type { EventBus } from '../bus/event-bus.js'
import type { MemoryEventBusOptions } from '../bus/memory-event-bus.js'
import { EventCatalog, type EventCatalogOptions } from '../catalog/event-catalog.js'
import type { EventDefinition } from '../catalog/standard-events.js'
import type { Clock } from '../clock.js'
import type { EventInput, OmoEvent } from '../envelope.js'
import { ErrorCode, OmotenashiError, ValidationError, type ValidationIssue } from '../errors.js'
import type { Identity } from '../identity.js'
import type { Channel } from '../ports/channel.js'
import type { Connector, EmitResult } from '../ports/connector.js'
import type { DeadLetter, DeadLetterStore, StageName } from '../ports/dead-letters.js'
import type { PullDecider, PullDecision, PullRequest } from '../ports/decision.js'
import type { DecisionLog } from '../ports/decision-log.js'
import type { Scheduler } from '../scheduler/scheduler.js'
import { coreDefaults } from './core-module.js'
import { ChannelDispatcher } from './dispatcher.js'
import type { HubHooks } from './hooks.js'
import type { DefaultBinding, Lifecycle } from './module.js'
import type { PipelineContext, Stage } from './pipeline.js'
import { Tokens } from './tokens.js'

/** Options of {@link createHub}. */
export interface HubOptions {
  /** The modules the hub is assembled from (profiles(), decisioning(), channels, stores…). */
  readonly modules?: readonly ContainerModule[]
  /** The clock (e.g. a VirtualClock in tests). Default: the system clock, unless a module binds one. */
  readonly clock?: Clock
  /** Event catalogue settings and custom event types. */
  readonly events?: EventCatalogOptions & { readonly custom?: Readonly<Record<string, EventDefinition>> }
  /** Settings of the embedded in-process bus. */
  readonly bus?: MemoryEventBusOptions
  /** Publish `message.sent` / `message.failed` outcome events for every send. Default true. */
  readonly emitOutcomes?: boolean
  /** Id generator for events published without one. Default: random UUIDs. */
  readonly newId?: () => string
  /**
   * How long a send claimed in the idempotency ledger may stay unfinished before another worker
   * takes it over (the claimer probably died mid-send). Default 30 s.
   */
  readonly claimStaleAfterMs?: number
}

/** The result of {@link Hub.publishBatch}: the good items are accepted, the bad ones listed. */
export interface BatchResult {
  /** Accepted items by their index in the input. */
  readonly accepted: ReadonlyArray<{ readonly index: number; readonly id: string }>
  /** Refused items by index, with every problem. */
  readonly rejected: ReadonlyArray<{ readonly index: number; readonly code: string; readonly issues: readonly ValidationIssue[] }>
}

/** What {@link Hub.erase} removed, per service. */
export interface ErasureReceipt {
  /** The customer erased. */
  readonly customerId: string
  /** Records removed by each service holding customer data. */
  readonly removed: Readonly<Record<string, number>>
}

const STAGES = [
  ['identify', Tokens.IdentifyStage],
  ['profile', Tokens.ProfileStage],
  ['decide', Tokens.DecideStage],
  ['act', Tokens.ActStage],
] as const

/** An error from a stage, carrying the stage's name to the dead letters. */
class StageError extends OmotenashiError {
  readonly stage: StageName
  constructor(stage: StageName, cause: unknown) {
    super(cause instanceof OmotenashiError ? cause.code : ErrorCode.Stage, `stage "${stage}" failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    this.stage = stage
  }
}

/**
 * A running Omotenashi hub: validates what comes in, orders it per customer, runs it through
 * identify → profile → decide → act, and records every decision. Assemble one with
 * {@link createHub}.
 */
export class Hub {
  /** The inversify container the hub was assembled in. */
  readonly container: Container
  /** Typed hooks: `hub.hooks.on('decision.made', …)`. */
  readonly hooks = new EventEmitter<HubHooks>()
  readonly #options: HubOptions
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new'
  #stages: Array<readonly [StageName, Stage]> = []
  #bus!: EventBus
  #catalog!: EventCatalog
  #clock!: Clock
  #decisionLog!: DecisionLog
  #deadLetters!: DeadLetterStore
  #lifecycles: Lifecycle[] = []
  #channels: Channel[] = []
  #connectors: Connector[] = []
  #scheduler!: Scheduler
  #pullDecider: PullDecider | undefined
  readonly #emitting = new Set<Promise<unknown>>()
  readonly #newId: () => string
  readonly #context: { now: () => string; newId: () => string }

  /** @internal use {@link createHub}. */
  constructor(container: Container, options: HubOptions) {
    this.container = container
    this.#options = options
    this.#newId = options.newId ?? randomUUID
    this.#context = { now: () => new Date(this.#clock.now()).toISOString(), newId: this.#newId }
    this.#wire()
  }

  /** The hub's clock. */
  get clock(): Clock {
    return this.#clock
  }

  /** The event catalogue (register custom types before publishing them). */
  get catalog(): EventCatalog {
    return this.#catalog
  }

  /** Whether the hub is running. */
  get running(): boolean {
    return this.#state === 'running'
  }

  /** Resolves a service from the container. */
  get<T>(token: ServiceIdentifier<T>): T {
    return this.container.get(token)
  }

  /** Starts every module, the bus, the scheduler and the connectors, in that order. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new OmotenashiError(ErrorCode.Config, `the hub cannot start from state "${this.#state}"`)
    this.#state = 'starting'
    for (const life of this.#lifecycles) await life.init?.()
    for (const channel of this.#channels) await channel.init?.()
    await this.#bus.start()
    await this.#scheduler.start(async (timer) => {
      const event = { ...timer.event, id: timer.event.id ?? `timer:${timer.id}` }
      await this.publish(event)
    })
    for (const connector of this.#connectors) await connector.start((input) => this.#emitFor(input))
    this.#state = 'running'
  }

  /** Stops taking input, drains what was accepted, then stops everything in reverse order. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return
    const wasStarted = this.#state !== 'new'
    this.#state = 'stopping'
    if (wasStarted) {
      for (const connector of [...this.#connectors].reverse()) await connector.stop()
      await this.#scheduler.stop()
    }
    await this.#bus.stop()
    if (wasStarted) {
      for (const channel of [...this.#channels].reverse()) await channel.destroy?.()
      for (const life of [...this.#lifecycles].reverse()) await life.destroy?.()
    }
    this.#state = 'stopped'
  }

  /**
   * Validates and publishes one event. Resolves with the accepted event (id and time filled
   * in) once the bus holds it; rejects with a {@link ValidationError} listing every problem,
   * in which case nothing was applied.
   */
  async publish(input: EventInput): Promise<OmoEvent> {
    this.#assertTaking()
    const event = this.#check(input)
    if (event instanceof ValidationError) throw event
    await this.#bus.publish(event)
    this.#emitHook('event.accepted', event)
    return event
  }

  /**
   * Publishes many events: the valid ones are accepted, the invalid ones reported by index. All
   * are checked first; a bus that implements `publishAll` then takes the valid ones in one call
   * (one round trip to a remote bus, not one each).
   */
  async publishBatch(inputs: readonly EventInput[]): Promise<BatchResult> {
    this.#assertTaking()
    const accepted: Array<{ index: number; id: string }> = []
    const rejected: Array<{ index: number; code: string; issues: readonly ValidationIssue[] }> = []
    const events: OmoEvent[] = []
    for (const [index, input] of inputs.entries()) {
      const event = this.#check(input)
      if (event instanceof ValidationError) {
        rejected.push({ index, code: event.code, issues: event.issues })
        continue
      }
      events.push(event)
      accepted.push({ index, id: event.id })
    }
    if (this.#bus.publishAll) {
      if (events.length > 0) await this.#bus.publishAll(events)
    } else {
      for (const event of events) await this.#bus.publish(event)
    }
    for (const event of events) this.#emitHook('event.accepted', event)
    return { accepted, rejected }
  }

  #assertTaking(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new OmotenashiError(ErrorCode.Stopped, 'the hub is stopped')
    }
  }

  /** The event as the catalog accepts it (id and time filled in), or the error naming every problem. */
  #check(input: EventInput): OmoEvent | ValidationError {
    const result = this.#catalog.safeParse(input, this.#context)
    if (result.ok) return result.event
    const error = new ValidationError('event', result.issues, result.code)
    this.#emitHook('event.rejected', input, error)
    return error
  }

  /** Resolves once every event accepted so far (and every event those emitted) has been processed. */
  async drain(): Promise<void> {
    for (;;) {
      await this.#bus.drain()
      if (this.#emitting.size === 0) return
      await Promise.allSettled([...this.#emitting])
    }
  }

  /** Asks what to show at a placement, without sending anything (needs `@omotenashi/decisioning`). */
  async decide(request: PullRequest): Promise<PullDecision> {
    // Resolved once: the container's lookup allocates, and this runs on every pull request.
    if (this.#pullDecider === undefined) {
      if (!this.container.isBound(Tokens.PullDecider)) {
        throw new OmotenashiError(ErrorCode.Config, 'pull decisions need a decider: add decisioning() from @omotenashi/decisioning to the modules')
      }
      this.#pullDecider = this.container.get(Tokens.PullDecider)
    }
    return this.#pullDecider.decide(request)
  }

  /**
   * Erases a customer everywhere the hub keeps data (APPI/GDPR): profile, identity graph,
   * timers, decisions, inbox and whatever else modules registered as erasable.
   */
  async erase(who: string | { readonly identity: Identity }): Promise<ErasureReceipt> {
    const customerId = typeof who === 'string' ? who : await this.container.get(Tokens.IdentityResolver).resolve(who.identity, { create: false })
    if (customerId === undefined) throw new OmotenashiError(ErrorCode.NotFound, 'no customer has these identifiers')
    const removed: Record<string, number> = {}
    for (const store of this.container.getAll(Tokens.Erasable)) removed[store.name] = await store.eraseCustomer(customerId)
    return { customerId, removed }
  }

  /** Dead letters waiting, oldest first. */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.#deadLetters.list({ limit })
  }

  /** Runs a dead letter through the pipeline again; it comes back as a dead letter if it fails again. */
  async redrive(id: string): Promise<void> {
    const letter = await this.#deadLetters.get(id)
    if (!letter) throw new OmotenashiError(ErrorCode.NotFound, `no dead letter "${id}"`)
    await this.#deadLetters.remove(id)
    await this.#bus.publish(letter.event)
  }

  #wire(): void {
    const c = this.container
    this.#clock = c.get(Tokens.Clock)
    this.#catalog = c.get(Tokens.EventCatalog)
    for (const [type, definition] of Object.entries(this.#options.events?.custom ?? {})) this.#catalog.register(type, definition)
    for (const { type, definition } of c.isBound(Tokens.EventRegistration) ? c.getAll(Tokens.EventRegistration) : []) {
      if (!this.#catalog.has(type)) this.#catalog.register(type, definition)
    }
    this.#bus = c.get(Tokens.EventBus)
    this.#scheduler = c.get(Tokens.Scheduler)
    this.#decisionLog = c.get(Tokens.DecisionLog)
    this.#deadLetters = c.get(Tokens.DeadLetterStore)
    this.#channels = c.isBound(Tokens.Channel) ? c.getAll(Tokens.Channel) : []
    this.#connectors = c.isBound(Tokens.Connector) ? c.getAll(Tokens.Connector) : []
    this.#lifecycles = c.isBound(Tokens.Lifecycle) ? c.getAll(Tokens.Lifecycle) : []
    const ids = new Set<string>()
    for (const ch of this.#channels) {
      if (ids.has(ch.id)) throw new OmotenashiError(ErrorCode.Config, `two channels share the id "${ch.id}"`)
      ids.add(ch.id)
    }
    const act: Stage = c.isBound(Tokens.ActStage)
      ? c.get(Tokens.ActStage)
      : new ChannelDispatcher({
          channels: new Map(this.#channels.map((ch) => [ch.id, ch])),
          ledger: c.get(Tokens.IdempotencyLedger),
          emitOutcomes: this.#options.emitOutcomes ?? true,
          ...(this.#options.claimStaleAfterMs === undefined ? {} : { claimStaleAfterMs: this.#options.claimStaleAfterMs }),
          observer: {
            sent: (action, channel, result) => this.#emitHook('action.sent', action, channel, result),
            failed: (action, channel, result) => this.#emitHook('action.failed', action, channel, result),
          },
        })
    this.#stages = STAGES.map(([name, token]) => [name, name === 'act' ? act : c.get(token)] as const)
    this.#bus.consume(
      (event) => this.#process(event),
      (event, error) => this.#deadLetter(event, error),
    )
  }

  #process(event: OmoEvent): void | Promise<void> {
    const context: PipelineContext = { event, customerId: undefined, profile: undefined, decisions: [], emit: [] }
    return this.#runFrom(context, 0)
  }

  /** Runs stages from `index`; stays synchronous while the stages do. */
  #runFrom(context: PipelineContext, index: number): void | Promise<void> {
    for (let i = index; i < this.#stages.length; i++) {
      const result = this.#runStage(context, i)
      if (result !== undefined) return this.#continueAfter(context, i, result)
    }
    this.#finish(context)
    return undefined
  }

  /** Runs stage `i` (and records the decisions it made); a failure is a StageError naming it. */
  #runStage(context: PipelineContext, i: number): void | Promise<void> {
    const [name, stage] = this.#stages[i]!
    let result: void | Promise<void>
    try {
      result = stage.run(context)
    } catch (error) {
      throw new StageError(name, error)
    }
    if (name === 'decide') {
      // Decisions are known only once the stage has finished, which may be later (async).
      if (result === undefined) {
        if (context.decisions.length > 0) result = this.#recordDecisions(context)
      } else result = result.then(() => (context.decisions.length > 0 ? this.#recordDecisions(context) : undefined))
    }
    return result
  }

  /**
   * The rest of the pipeline once stage `i` went asynchronous: one async frame per event, where
   * a `.then` per stage cost a promise and two closures each (the profile stores are async, so
   * every event took this path twice).
   */
  async #continueAfter(context: PipelineContext, i: number, pending: Promise<void>): Promise<void> {
    for (let at = i; ; ) {
      try {
        await pending
      } catch (error) {
        throw error instanceof StageError ? error : new StageError(this.#stages[at]![0], error)
      }
      let next: void | Promise<void> = undefined
      while (next === undefined && ++at < this.#stages.length) next = this.#runStage(context, at)
      if (next === undefined) break
      pending = next
    }
    this.#finish(context)
  }

  async #recordDecisions(context: PipelineContext): Promise<void> {
    for (const decision of context.decisions) {
      await this.#decisionLog.record(decision)
      this.#emitHook('decision.made', decision)
    }
  }

  #finish(context: PipelineContext): void {
    this.#emitHook('event.processed', context)
    for (const input of context.emit) {
      // Not awaited: the pipeline must not wait on the bus it is draining (that could deadlock when full).
      const pending: Promise<unknown> = this.publish(input)
        .catch((error: unknown) => this.#emitHook('emit.failed', input, error))
        .finally(() => this.#emitting.delete(pending))
      this.#emitting.add(pending)
    }
  }

  async #deadLetter(event: OmoEvent, error: unknown): Promise<void> {
    const stage = error instanceof StageError ? error.stage : 'bus'
    const cause = error instanceof StageError && error.cause instanceof Error ? error.cause : (error as Error)
    const letter = await this.#deadLetters.add({
      event,
      stage,
      at: new Date(this.#clock.now()).toISOString(),
      error: {
        name: cause?.name ?? 'Error',
        message: cause?.message ?? String(cause),
        ...(cause instanceof OmotenashiError ? { code: cause.code } : {}),
      },
    })
    this.#emitHook('deadletter', letter)
  }

  async #emitFor(input: EventInput): Promise<EmitResult> {
    try {
      const event = await this.publish(input)
      return { ok: true, id: event.id }
    } catch (error) {
      return { ok: false, error: error as Error }
    }
  }

  #emitHook<K extends keyof HubHooks>(name: K, ...args: HubHooks[K]): void {
    if (this.hooks.listenerCount(name) === 0) return
    try {
      ;(this.hooks.emit as (n: K, ...a: HubHooks[K]) => boolean)(name, ...args)
    } catch (error) {
      if (name !== 'error') this.#emitHook('error', error, `hook ${name}`)
    }
  }
}

/**
 * Assembles a hub from modules. Ports nobody bound get their embedded defaults (in-process bus,
 * memory stores, system clock), so `await createHub()` alone runs.
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [profiles(), decisioning({ rules })] })
 * await hub.start()
 * await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1' }, storeId: 'shibuya' })
 * ```
 */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const container = new Container({ defaultScope: 'Singleton' })
  if (options.clock) container.bind(Tokens.Clock).toConstantValue(options.clock)
  if (options.events) {
    const { custom: _custom, ...catalogOptions } = options.events
    container.bind(Tokens.EventCatalog).toConstantValue(new EventCatalog(catalogOptions))
  }
  await container.loadAsync(coreDefaults(options.bus === undefined ? {} : { bus: options.bus }), ...(options.modules ?? []))
  const defaults: DefaultBinding[] = container.isBound(Tokens.Default) ? container.getAll(Tokens.Default) : []
  for (const d of defaults) {
    if (!container.isBound(d.token)) d.bind(container.bind(d.token))
  }
  return new Hub(container, options)
}
