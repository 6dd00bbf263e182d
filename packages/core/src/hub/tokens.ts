import type { ServiceIdentifier } from 'inversify'
import type { EventBus } from '../bus/event-bus.js'
import type { EventCatalog } from '../catalog/event-catalog.js'
import type { Clock } from '../clock.js'
import type { Channel } from '../ports/channel.js'
import type { Connector } from '../ports/connector.js'
import type { DeadLetterStore } from '../ports/dead-letters.js'
import type { PullDecider } from '../ports/decision.js'
import type { DecisionLog } from '../ports/decision-log.js'
import type { IdempotencyLedger } from '../ports/idempotency-ledger.js'
import type { InboxStore } from '../ports/inbox.js'
import type { HttpRoute } from '../ports/http-route.js'
import type { Inventory } from '../ports/inventory.js'
import type { Scheduler } from '../scheduler/scheduler.js'
import type { DefaultBinding, Erasable, EventRegistration, Lifecycle } from './module.js'
import type { IdentityResolver, Stage } from './pipeline.js'

/**
 * A typed service identifier. `Symbol.for` keeps tokens equal across copies of a package
 * (two versions installed side by side still meet in one container).
 */
export function token<T>(name: string): ServiceIdentifier<T> {
  return Symbol.for(name) as ServiceIdentifier<T>
}

/** The service identifiers of `@omotenashi/core`. Bind these in your modules. */
export const Tokens = {
  /** The hub's {@link Clock}. */
  Clock: token<Clock>('@omotenashi/core:Clock'),
  /** The {@link EventCatalog}. */
  EventCatalog: token<EventCatalog>('@omotenashi/core:EventCatalog'),
  /** The {@link EventBus}. */
  EventBus: token<EventBus>('@omotenashi/core:EventBus'),
  /** The {@link Scheduler}. */
  Scheduler: token<Scheduler>('@omotenashi/core:Scheduler'),
  /** The {@link DeadLetterStore}. */
  DeadLetterStore: token<DeadLetterStore>('@omotenashi/core:DeadLetterStore'),
  /** The {@link DecisionLog}. */
  DecisionLog: token<DecisionLog>('@omotenashi/core:DecisionLog'),
  /** The {@link IdempotencyLedger} used for sends. */
  IdempotencyLedger: token<IdempotencyLedger>('@omotenashi/core:IdempotencyLedger'),
  /** The {@link Inventory}. */
  Inventory: token<Inventory>('@omotenashi/core:Inventory'),
  /** The {@link InboxStore}. */
  InboxStore: token<InboxStore>('@omotenashi/core:InboxStore'),
  /** Every {@link Channel} (multi-bound). */
  Channel: token<Channel>('@omotenashi/core:Channel'),
  /** Every {@link Connector} (multi-bound). */
  Connector: token<Connector>('@omotenashi/core:Connector'),
  /** Services with init/destroy (multi-bound). */
  Lifecycle: token<Lifecycle>('@omotenashi/core:Lifecycle'),
  /** Services holding customer data, erased by `hub.erase` (multi-bound). */
  Erasable: token<Erasable>('@omotenashi/core:Erasable'),
  /** Defaults applied when nothing else bound their token (multi-bound). */
  Default: token<DefaultBinding>('@omotenashi/core:Default'),
  /** HTTP routes contributed by packages (multi-bound), mounted by `@omotenashi/server`. */
  HttpRoute: token<HttpRoute>('@omotenashi/core:HttpRoute'),
  /** Custom event types contributed by modules (multi-bound). */
  EventRegistration: token<EventRegistration>('@omotenashi/core:EventRegistration'),
  /** Resolves identities to customer ids (bound by `@omotenashi/profile`). */
  IdentityResolver: token<IdentityResolver>('@omotenashi/core:IdentityResolver'),
  /** Answers pull decisions (bound by `@omotenashi/decisioning`). */
  PullDecider: token<PullDecider>('@omotenashi/core:PullDecider'),
  /** Pipeline stage: who is this (default: the identity's key). */
  IdentifyStage: token<Stage>('@omotenashi/core:IdentifyStage'),
  /** Pipeline stage: update the profile (default: nothing). */
  ProfileStage: token<Stage>('@omotenashi/core:ProfileStage'),
  /** Pipeline stage: decide (default: nothing). */
  DecideStage: token<Stage>('@omotenashi/core:DecideStage'),
  /** Pipeline stage: act on decisions (default: send through the channels). */
  ActStage: token<Stage>('@omotenashi/core:ActStage'),
} as const
