import { Tokens, ValidationError, manageLifecycle, provideDefault, registerErasable } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { ComputedTraitSchema, defineComputedTraits, type ComputedTrait } from './computed-traits.js'
import { MemoryProfileStore } from './memory-profile-store.js'
import { ProfileRules, ProfileRulesOptionsSchema } from './profile-rules.js'
import { IdentifyStage, ProfileStage, storeIdentityResolver } from './stages.js'
import { ProfileTokens } from './tokens.js'

/** Options of {@link profiles}: identifier rules and bounds (see {@link ProfileRulesOptionsSchema}) plus computed traits. */
export const ProfilesOptionsSchema = ProfileRulesOptionsSchema.extend({
  /** Computed traits (windowed aggregates over activity), evaluated at read time with `computeTraits`. */
  computedTraits: z.array(ComputedTraitSchema).optional(),
  /** Ready-made rules; when given, the rule options above must be left out. */
  rules: z.instanceof(ProfileRules).optional(),
})

/** Options of {@link profiles}. */
export type ProfilesOptions = z.input<typeof ProfilesOptionsSchema>

/**
 * Unified profiles for a hub: binds the identify stage (identity resolution and merges), the
 * profile stage (the reducer), the hub's identity resolver, the rules, the computed traits, and
 * the memory {@link MemoryProfileStore} as the default store (a store module such as
 * `postgresStore()` binding `ProfileTokens.ProfileStore` replaces it, in any module order).
 * The store is erased by `hub.erase` and initialised/destroyed with the hub.
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [profiles({ defaultRegion: 'JP', kinds: { anonymousId: { blocked: ['kiosk-1'] } } })] })
 * ```
 * @throws ValidationError naming the option at fault.
 */
export function profiles(options: ProfilesOptions = {}): ContainerModule {
  const parsed = ProfilesOptionsSchema.safeParse(options)
  if (!parsed.success) throw ValidationError.fromZod('profiles() options', parsed.error)
  const { computedTraits = [], rules: given, ...ruleOptions } = parsed.data
  if (given && Object.keys(ruleOptions).length > 0) {
    throw new ValidationError('profiles() options', [
      { path: 'rules', message: `give either ready-made rules or rule options (${Object.keys(ruleOptions).join(', ')}), not both`, code: 'custom' },
    ])
  }
  const rules = given ?? new ProfileRules(ruleOptions as z.input<typeof ProfileRulesOptionsSchema>)
  const traits: readonly ComputedTrait[] = defineComputedTraits(computedTraits)
  return new ContainerModule((m) => {
    m.bind(ProfileTokens.Rules).toConstantValue(rules)
    m.bind(ProfileTokens.ComputedTraits).toConstantValue(traits)
    provideDefault(m, ProfileTokens.ProfileStore, (ctx) => new MemoryProfileStore({ rules, clock: ctx.get(Tokens.Clock) }))
    m.bind(Tokens.IdentifyStage).toDynamicValue((ctx) => new IdentifyStage(ctx.get(ProfileTokens.ProfileStore))).inSingletonScope()
    m.bind(Tokens.ProfileStage).toDynamicValue((ctx) => new ProfileStage(ctx.get(ProfileTokens.ProfileStore))).inSingletonScope()
    m.bind(Tokens.IdentityResolver).toDynamicValue((ctx) => storeIdentityResolver(ctx.get(ProfileTokens.ProfileStore))).inSingletonScope()
    registerErasable(m, 'profiles', ProfileTokens.ProfileStore)
    manageLifecycle(m, 'profiles', ProfileTokens.ProfileStore)
  })
}
