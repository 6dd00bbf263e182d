import type { EventInput, OmoEvent } from '../envelope.js'
import type { Identity } from '../identity.js'
import { identityKey } from '../identity.js'
import type { Decision } from '../ports/decision.js'

/**
 * The profile as the pipeline carries it. Empty here; `@omotenashi/profile` fills it in by
 * module augmentation, so stages downstream see the real type.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PipelineProfile {}

/** What flows through the stages for one event. Stages fill it in as they go. */
export interface PipelineContext {
  /** The accepted event. */
  readonly event: OmoEvent
  /** The customer it belongs to, once identified. */
  customerId: string | undefined
  /** The customer's profile, once the profile stage has run. */
  profile: (PipelineProfile & { readonly id: string }) | undefined
  /** Decisions made for this event (the decide stage appends). */
  readonly decisions: Decision[]
  /** Events to publish once this one is done (outcomes, merges, timers due now). */
  readonly emit: EventInput[]
}

/**
 * One pipeline stage. Return nothing to continue synchronously (the fast path) or a promise.
 * Throwing sends the event to the dead letters with the stage's name.
 */
export interface Stage {
  /** Runs the stage on `context`. */
  run(context: PipelineContext): void | Promise<void>
}

/** Turns identifiers into a customer id (bound by `@omotenashi/profile`). */
export interface IdentityResolver {
  /**
   * The customer these identifiers belong to. With `create: false`, undefined when none is
   * known yet.
   */
  resolve(identity: Identity, options?: { readonly create?: boolean }): Promise<string | undefined>
}

/** The default identify stage: the customer id is the identity's key (no identity graph). */
export const keyIdentifyStage: Stage = {
  run(context) {
    context.customerId = identityKey(context.event.identity)
  },
}

/** A stage that does nothing: the default profile and decide stages. */
export const noopStage: Stage = { run() {} }

/** The default identity resolver: the identity's key, as {@link keyIdentifyStage} uses. */
export const keyIdentityResolver: IdentityResolver = {
  resolve: async (identity) => identityKey(identity),
}
