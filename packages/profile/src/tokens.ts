import { token } from '@omotenashi/core'
import type { ComputedTrait } from './computed-traits.js'
import type { ProfileRules } from './profile-rules.js'
import type { ProfileStore } from './profile-store.js'

/** The service identifiers of `@omotenashi/profile`. */
export const ProfileTokens = {
  /**
   * The {@link ProfileStore}. `profiles()` binds the memory store as a default; a store module
   * (`postgresStore()`, `redisStore()`) binding this token wins.
   */
  ProfileStore: token<ProfileStore>('@omotenashi/profile:ProfileStore'),
  /** The {@link ProfileRules} the hub resolves and applies with. Store modules build their store with them. */
  Rules: token<ProfileRules>('@omotenashi/profile:Rules'),
  /** The computed trait definitions (evaluate them with `computeTraits`). */
  ComputedTraits: token<readonly ComputedTrait[]>('@omotenashi/profile:ComputedTraits'),
} as const
