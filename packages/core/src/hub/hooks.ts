import type { EventInput, OmoEvent } from '../envelope.js'
import type { OmotenashiError } from '../errors.js'
import type { DeliveryResult } from '../ports/channel.js'
import type { DeadLetter } from '../ports/dead-letters.js'
import type { Decision, PlannedAction } from '../ports/decision.js'
import type { PipelineContext } from './pipeline.js'

/**
 * The hub's hooks (eventemitter3). Listeners run synchronously in the pipeline: keep them
 * short, and never let them throw (a throwing listener is reported on `error`, not rethrown).
 */
export interface HubHooks {
  /** An event passed validation and entered the bus. */
  'event.accepted': [event: OmoEvent]
  /** Input was refused; nothing of it was applied. */
  'event.rejected': [input: unknown, error: OmotenashiError]
  /** An event went through every stage. */
  'event.processed': [context: PipelineContext]
  /** A decision was made (and recorded). */
  'decision.made': [decision: Decision]
  /** A channel accepted a send (or recognised a duplicate). */
  'action.sent': [action: PlannedAction, channel: string, result: DeliveryResult]
  /** A send failed on a channel. */
  'action.failed': [action: PlannedAction, channel: string | undefined, result: DeliveryResult]
  /** An accepted event failed and was kept as a dead letter. */
  'deadletter': [letter: DeadLetter]
  /** Something went wrong outside any event (a hook threw, an emitted event was refused). */
  'error': [error: unknown, where: string]
  /** An event a stage or channel asked to publish was refused. */
  'emit.failed': [input: EventInput, error: unknown]
}
