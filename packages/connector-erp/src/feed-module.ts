import { provideDefault, Tokens } from '@omotenashi/core'
import { ContainerModule, type ServiceIdentifier } from 'inversify'
import type { FeedConnector, FeedDependencies, FeedMapHook } from './feed-connector.js'
import { MemoryFeedStateStore } from './state-store.js'
import { ErpTokens } from './tokens.js'

/**
 * The hub module of a polling ERP feed: an in-memory feed state unless one is bound, the feed
 * under its own token (one instance, built when the hub resolves it, with the hub's clock, state
 * and optional inventory) and as a `Connector`. One place, so the CSV, Odoo and SAP factories
 * cannot wire it differently.
 */
export function feedModule<C extends FeedConnector>(token: ServiceIdentifier<C>, map: FeedMapHook | undefined, make: (deps: FeedDependencies) => C): ContainerModule {
  return new ContainerModule((m) => {
    provideDefault(m, ErpTokens.FeedState, () => new MemoryFeedStateStore())
    m.bind(token)
      .toDynamicValue((ctx) => make({ clock: ctx.get(Tokens.Clock), state: ctx.get(ErpTokens.FeedState), inventory: ctx.get(ErpTokens.Inventory, { optional: true }), map }))
      .inSingletonScope()
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(token)).inSingletonScope()
  })
}
