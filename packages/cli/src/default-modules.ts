import type { HubOptions } from '@omotenashi/core'

type ContainerModule = NonNullable<HubOptions['modules']>[number]

/**
 * Modules used when no config file is found: profiles from `@omotenashi/profile` when it is
 * installed, so `replay` and `simulate` build profiles out of the box.
 */
export async function defaultModules(): Promise<ContainerModule[]> {
  try {
    const profile = (await import('@omotenashi/profile')) as { profiles?: () => ContainerModule }
    return typeof profile.profiles === 'function' ? [profile.profiles()] : []
  } catch {
    return []
  }
}
