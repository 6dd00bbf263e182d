import { ContainerModule } from 'inversify'
import { MemoryEventBus, type MemoryEventBusOptions } from '../bus/memory-event-bus.js'
import { EventCatalog } from '../catalog/event-catalog.js'
import { SystemClock } from '../clock.js'
import { MemoryDeadLetterStore } from '../ports/dead-letters.js'
import { MemoryDecisionLog } from '../ports/decision-log.js'
import { MemoryIdempotencyLedger } from '../ports/idempotency-ledger.js'
import { MemoryInboxStore } from '../ports/inbox.js'
import { MemoryInventory } from '../ports/inventory.js'
import { MemoryScheduler } from '../scheduler/memory-scheduler.js'
import { manageLifecycle, provideDefault, registerErasable } from './module.js'
import { keyIdentifyStage, keyIdentityResolver, noopStage } from './pipeline.js'
import { Tokens } from './tokens.js'

/** The embedded defaults of every port core owns. Each yields to a module that binds its token. */
export function coreDefaults(options: { readonly bus?: MemoryEventBusOptions } = {}): ContainerModule {
  return new ContainerModule((m) => {
    provideDefault(m, Tokens.Clock, () => new SystemClock())
    provideDefault(m, Tokens.EventCatalog, () => new EventCatalog())
    provideDefault(m, Tokens.EventBus, () => new MemoryEventBus(options.bus))
    provideDefault(m, Tokens.Scheduler, (ctx) => new MemoryScheduler(ctx.get(Tokens.Clock)))
    provideDefault(m, Tokens.DeadLetterStore, () => new MemoryDeadLetterStore())
    provideDefault(m, Tokens.DecisionLog, () => new MemoryDecisionLog())
    provideDefault(m, Tokens.IdempotencyLedger, (ctx) => {
      const clock = ctx.get(Tokens.Clock)
      return new MemoryIdempotencyLedger(() => clock.now())
    })
    provideDefault(m, Tokens.Inventory, () => new MemoryInventory())
    provideDefault(m, Tokens.InboxStore, () => new MemoryInboxStore())
    provideDefault(m, Tokens.IdentityResolver, () => keyIdentityResolver)
    provideDefault(m, Tokens.IdentifyStage, () => keyIdentifyStage)
    provideDefault(m, Tokens.ProfileStage, () => noopStage)
    provideDefault(m, Tokens.DecideStage, () => noopStage)
    registerErasable(m, 'scheduler', Tokens.Scheduler)
    registerErasable(m, 'decisionLog', Tokens.DecisionLog)
    registerErasable(m, 'inbox', Tokens.InboxStore)
    manageLifecycle(m, 'deadLetters', Tokens.DeadLetterStore)
    manageLifecycle(m, 'decisionLog', Tokens.DecisionLog)
    manageLifecycle(m, 'idempotencyLedger', Tokens.IdempotencyLedger)
    manageLifecycle(m, 'inbox', Tokens.InboxStore)
  })
}
