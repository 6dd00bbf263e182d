import { ProfileTokens, type ProfileStore } from '@omotenashi/profile'

/** The part of `@omotenashi/profile`'s ProfileStore the server reads: any store bound under its token. */
export type ProfileReader = Pick<ProfileStore, 'get' | 'export' | 'resolve'>

/** The ProfileStore token of `@omotenashi/profile` (`ProfileTokens.ProfileStore`). */
export const ProfileStoreToken = ProfileTokens.ProfileStore
