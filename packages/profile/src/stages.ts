import { identifiersOf, type EventInput, type IdentityResolver, type Stage } from '@omotenashi/core'
import type { Profile } from './profile.js'
import type { MergeRecord, ProfileStore } from './profile-store.js'

declare module '@omotenashi/core' {
  // With this package installed, the pipeline's `context.profile` is the unified Profile.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface PipelineProfile extends Profile {}
}

/** The `profile.merged` event recorded for a merge, caused by the event that linked the profiles. */
export function mergedEvent(merge: MergeRecord, cause: { readonly id: string; readonly time: string }): EventInput {
  return {
    // Derived from the cause, so a redelivered cause records the merge once.
    id: `merge:${cause.id}:${merge.survivorId}`,
    type: 'profile.merged',
    source: 'system',
    time: cause.time,
    identity: { customerId: merge.survivorId },
    data: { survivorId: merge.survivorId, mergedIds: [...merge.mergedIds], reason: merge.reason },
    causationId: cause.id,
  }
}

/**
 * The identify stage (名寄せ): resolves the event's identity to a customer through the store,
 * creating, linking and merging under the rules, and records each merge as a `profile.merged`
 * event. Events about things, not people (`catalog.price_changed`), pass with no customer.
 * A malformed identifier fails the stage (the event goes to the dead letters, nothing applied).
 */
export class IdentifyStage implements Stage {
  readonly #store: ProfileStore

  constructor(store: ProfileStore) {
    this.#store = store
  }

  run(context: Parameters<Stage['run']>[0]): void | Promise<void> {
    const { event } = context
    if (event.identity.customerId === undefined && identifiersOf(event.identity).length === 0) {
      context.customerId = undefined
      return
    }
    return this.#store.resolve(event.identity, { at: event.time }).then((result) => {
      context.customerId = result.profileId
      for (const merge of result.merges) context.emit.push(mergedEvent(merge, event))
    })
  }
}

/** The profile stage: applies the event to the customer's profile (idempotently) and puts the profile on the context. */
export class ProfileStage implements Stage {
  readonly #store: ProfileStore

  constructor(store: ProfileStore) {
    this.#store = store
  }

  run(context: Parameters<Stage['run']>[0]): void | Promise<void> {
    const customerId = context.customerId
    if (customerId === undefined) return
    return this.#store.apply(customerId, context.event).then((result) => {
      context.customerId = result.profile.id
      context.profile = result.profile
    })
  }
}

/** The hub's {@link IdentityResolver} on a profile store (used by `hub.erase({ identity })` and pull decisions). */
export function storeIdentityResolver(store: ProfileStore): IdentityResolver {
  return {
    resolve: async (identity, options) => (await store.resolve(identity, options?.create === undefined ? {} : { create: options.create })).profileId,
  }
}
