import { ContainerModule, type ResolutionContext } from 'inversify'
import * as z from 'zod'
import { DURATION_PATTERN, parseDuration, seededRandom, Tokens, manageLifecycle, provideDefault, provideEvents, registerErasable, type ChannelCapabilities, type Decision, type Random, parseOptions } from '@omotenashi/core'
import { MemoryContactHistory, type ContactHistory } from './contact-history.js'
import { DEFAULT_SUCCESS_EVENTS, DecideStage, DecisioningEvents } from './decide-stage.js'
import { DecisionEngine, type ContextProvider, type StoreInfo } from './engine.js'
import type { ComputedTraits } from './paths.js'
import { compilePolicies } from './policies.js'
import { PlacementDecider } from './pull-decider.js'
import { ResponseModel, type Scorer } from './response-model.js'
import { RulesRegistry, type RulesSource } from './rules-registry.js'
import type { ActionSpec, ConditionSpec, PoliciesSpec } from './schema.js'
import { DecisioningTokens } from './tokens.js'
import { ProfileTokens, computeTrait, type Profile, type ProfileStore } from '@omotenashi/profile'

/** Options of {@link decisioning}. */
export interface DecisioningOptions {
  /** Rules: `await loadRules('rules/*.yaml')`, rule objects or builders, or a glob read at start (and on reload). */
  readonly rules?: RulesSource
  /** The action / offer catalogue (rule files may define actions too). */
  readonly actions?: readonly ActionSpec[]
  /** Named segments for `{ segment: name }`. */
  readonly segments?: Readonly<Record<string, ConditionSpec>>
  /** Contact policies: caps, quiet hours, moment, suppression, defaults. */
  readonly policies?: PoliciesSpec
  /** Stores by id: location (for `near: { store }`) and time zone. */
  readonly stores?: Readonly<Record<string, StoreInfo>>
  /** Context providers, read as `context.<name>`. */
  readonly contextProviders?: Readonly<Record<string, ContextProvider>>
  /** Computed-trait functions, read as `profile.computed.<name>`. */
  readonly computedTraits?: ComputedTraits
  /** An adopter's propensity model; the response model is the fallback. */
  readonly scorer?: Scorer
  /** Response learning. */
  readonly learning?: {
    /** Segments learnt apart (first match wins; else `all`). */
    readonly segments?: readonly string[]
    /** `thompson` (default) or `mean`. */
    readonly propensity?: 'thompson' | 'mean'
    /** A seed or a random source, for reproducible Thompson draws. */
    readonly seed?: number
    readonly random?: Random
    /** Outcomes attributed to exposures this recent. Default `7d`. */
    readonly attributionWindow?: string
    /** Outcome event types that count as success. */
    readonly successOn?: readonly string[]
  }
  /** Most people one product-level trigger reaches. Default 10 000. */
  readonly maxAudience?: number
  /** People per fan-out step. Default 500. */
  readonly fanOutPage?: number
  /** What pull answers may show of the profile. */
  readonly profileView?: (profile: Profile, placement: string) => Record<string, unknown>
  /** Directory rule globs are resolved from. */
  readonly cwd?: string
  /**
   * Called with every push decision as it is made. The hub records every decision in the
   * DecisionLog and fires its `decision.made` hook, which is usually the better place to listen.
   */
  readonly onDecision?: (decision: Decision) => void
}

const OptionsSchema = z.looseObject({
  maxAudience: z.number().int().positive().optional(),
  fanOutPage: z.number().int().positive().optional(),
  cwd: z.string().optional(),
  learning: z
    .looseObject({
      segments: z.array(z.string()).optional(),
      propensity: z.enum(['thompson', 'mean']).optional(),
      seed: z.number().int().optional(),
      attributionWindow: z.string().regex(DURATION_PATTERN, 'must be a duration such as "7d"').optional(),
      successOn: z.array(z.string()).optional(),
    })
    .optional(),
  stores: z.record(z.string(), z.looseObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), timeZone: z.string().optional() })).optional(),
  contextProviders: z.record(z.string(), z.custom<ContextProvider>((v) => typeof v === 'function', 'must be a function')).optional(),
})

/**
 * The decisioning module: binds the hub's decide stage and pull decider. Rules, actions and
 * policies are checked here: a bad rule or an unknown action throws a `RulesError` listing
 * every problem before the hub is built.
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [profiles(), decisioning({ rules: await loadRules('rules/*.yaml'), actions })] })
 * ```
 */
export function decisioning(options: DecisioningOptions = {}): ContainerModule {
  parseOptions(OptionsSchema, options, 'decisioning')
  const policies = compilePolicies(options.policies)
  // Filled with the profile package's computed traits when the engine is built (rules read them as profile.computed.<name>).
  const computed: Record<string, (profile: Profile, now: number) => unknown> = { ...options.computedTraits }
  const registry = new RulesRegistry({
    ...(options.rules === undefined ? {} : { rules: options.rules }),
    ...(options.actions === undefined ? {} : { actions: options.actions }),
    ...(options.segments === undefined ? {} : { segments: options.segments }),
    ...(options.stores === undefined ? {} : { stores: options.stores }),
    computed,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  })
  const learning = options.learning ?? {}
  return new ContainerModule((m) => {
    m.bind(DecisioningTokens.RulesRegistry).toConstantValue(registry)
    manageLifecycle(m, 'decisioning.rules', DecisioningTokens.RulesRegistry)
    provideDefault(m, DecisioningTokens.ContactHistory, (): ContactHistory => new MemoryContactHistory())
    registerErasable(m, 'contactHistory', DecisioningTokens.ContactHistory)
    m.bind(DecisioningTokens.ResponseModel)
      .toDynamicValue((ctx) => new ResponseModel({ random: learning.random ?? seededRandom(learning.seed ?? ctx.get(Tokens.Clock).now()) }))
      .inSingletonScope()
    registerErasable(m, 'responseModel', DecisioningTokens.ResponseModel)
    provideEvents(m, {
      [DecisioningEvents.audienceMatched]: {
        needsCustomer: true,
        description: 'One member of a product-level audience, decided on their own.',
        data: z.looseObject({ ruleId: z.string(), sku: z.string(), trigger: z.record(z.string(), z.unknown()) }),
      },
      [DecisioningEvents.fanOutContinued]: {
        description: 'The next page of a product-level fan-out.',
        data: z.looseObject({ ruleId: z.string(), sku: z.string(), offset: z.number().int().nonnegative(), trigger: z.record(z.string(), z.unknown()) }),
      },
    })
    m.bind(DecisioningTokens.Engine)
      .toDynamicValue((ctx) => {
        let channels: Map<string, ChannelCapabilities> | undefined
        for (const definition of ctx.get(ProfileTokens.ComputedTraits, { optional: true }) ?? []) {
          computed[definition.name] ??= (profile, now) => computeTrait(profile, definition, now)
        }
        return new DecisionEngine({
          rules: () => registry.current,
          policies,
          history: ctx.get(DecisioningTokens.ContactHistory),
          inventory: ctx.get(Tokens.Inventory),
          // Channels are read on first use: every module has been loaded by then.
          channels: () => (channels ??= new Map(ctx.getAll(Tokens.Channel, { optional: true }).map((c) => [c.id, c.capabilities]))),
          model: ctx.get(DecisioningTokens.ResponseModel),
          ...(options.scorer === undefined ? {} : { scorer: options.scorer }),
          ...(options.contextProviders === undefined ? {} : { contextProviders: options.contextProviders }),
          ...(options.stores === undefined ? {} : { stores: options.stores }),
          propensity: learning.propensity ?? 'thompson',
          learningSegments: learning.segments ?? [],
        })
      })
      .inSingletonScope()
    // Asked on every pull decision: the store is resolved once it exists (the container's lookup allocates).
    const profiles = (ctx: ResolutionContext) => {
      let store: ProfileStore | undefined
      return (): ProfileStore | undefined => (store ??= ctx.get(ProfileTokens.ProfileStore, { optional: true }))
    }
    m.bind(Tokens.DecideStage)
      .toDynamicValue(
        (ctx) =>
          new DecideStage({
            engine: ctx.get(DecisioningTokens.Engine),
            scheduler: ctx.get(Tokens.Scheduler),
            history: ctx.get(DecisioningTokens.ContactHistory),
            model: ctx.get(DecisioningTokens.ResponseModel),
            clock: ctx.get(Tokens.Clock),
            profiles: profiles(ctx),
            maxAudience: options.maxAudience ?? 10_000,
            fanOutPage: options.fanOutPage ?? 500,
            attributionWindowMs: parseDuration(learning.attributionWindow ?? '7d', { field: 'learning.attributionWindow' }),
            successOn: new Set(learning.successOn ?? DEFAULT_SUCCESS_EVENTS),
            ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }),
          }),
      )
      .inSingletonScope()
    m.bind(Tokens.PullDecider)
      .toDynamicValue(
        (ctx) =>
          new PlacementDecider({
            engine: ctx.get(DecisioningTokens.Engine),
            clock: ctx.get(Tokens.Clock),
            log: ctx.get(Tokens.DecisionLog),
            model: ctx.get(DecisioningTokens.ResponseModel),
            resolver: ctx.get(Tokens.IdentityResolver),
            profiles: profiles(ctx),
            ...(options.profileView === undefined ? {} : { profileView: options.profileView }),
          }),
      )
      .inSingletonScope()
  })
}
