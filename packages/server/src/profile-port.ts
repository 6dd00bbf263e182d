import type { Identity } from '@omotenashi/core'
import { token } from '@omotenashi/core'

/**
 * The part of `@omotenashi/profile`'s ProfileStore the server reads. Declared here structurally
 * (and resolved by the same `Symbol.for` token) so the server works with any store bound under
 * `ProfileTokens.ProfileStore` without a hard dependency on its internals.
 */
export interface ProfileReader {
  get(customerId: string): Promise<Readonly<Record<string, unknown>> | undefined>
  export(customerId: string): Promise<Readonly<Record<string, unknown>> | undefined>
  resolve(identity: Identity, options?: { readonly create?: boolean }): Promise<{ readonly profileId: string | undefined }>
}

/** The ProfileStore token of `@omotenashi/profile` (same symbol as `ProfileTokens.ProfileStore`). */
export const ProfileStoreToken = token<ProfileReader>('@omotenashi/profile:ProfileStore')
