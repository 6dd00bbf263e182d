import type { BindToFluentSyntax, ContainerModuleLoadOptions, ResolutionContext, ServiceIdentifier } from 'inversify'
import type { EventDefinition } from '../catalog/standard-events.js'
import { Tokens } from './tokens.js'

/** A service with a lifecycle: `init` on hub start (in binding order), `destroy` on stop (reverse). */
export interface Lifecycle {
  /** Name, for errors and logs. */
  readonly name: string
  /** Called on start. */
  init?(): Promise<void> | void
  /** Called on stop. */
  destroy?(): Promise<void> | void
}

/** A service holding customer data that `hub.erase(customerId)` must clear. */
export interface Erasable {
  /** Name, reported in the erasure receipt. */
  readonly name: string
  /** Removes everything about the customer; returns how many records went. */
  eraseCustomer(customerId: string): Promise<number>
}

/** A binding applied only if no module bound its token: how embedded defaults yield to real ones. */
export interface DefaultBinding {
  /** The token. */
  readonly token: ServiceIdentifier
  /** Binds it. */
  readonly bind: (to: BindToFluentSyntax<unknown>) => void
}

/**
 * Registers an embedded default for `token`: used only if no module binds `token` itself,
 * whatever order modules are given in. The value is a singleton.
 */
export function provideDefault<T>(
  options: Pick<ContainerModuleLoadOptions, 'bind'>,
  token: ServiceIdentifier<T>,
  build: (context: ResolutionContext) => T,
): void {
  const binding: DefaultBinding = {
    token,
    bind: (to) => void to.toDynamicValue(build).inSingletonScope(),
  }
  options.bind(Tokens.Default).toConstantValue(binding)
}

/**
 * Registers a service's lifecycle: `init` at hub start, `destroy` at stop. The service is
 * resolved lazily from `token`, so it is the one finally bound (a default or a real one).
 */
export function manageLifecycle<T extends object>(
  options: Pick<ContainerModuleLoadOptions, 'bind'>,
  name: string,
  token: ServiceIdentifier<T>,
): void {
  options
    .bind(Tokens.Lifecycle)
    .toDynamicValue((ctx) => {
      const service = ctx.get(token) as Partial<Omit<Lifecycle, 'name'>>
      const life: Lifecycle = { name }
      if (typeof service.init === 'function') Object.assign(life, { init: () => service.init?.() })
      if (typeof service.destroy === 'function') Object.assign(life, { destroy: () => service.destroy?.() })
      return life
    })
    .inSingletonScope()
}

/** Registers a service (resolved from `token`) as holding customer data for erasure. */
export function registerErasable(
  options: Pick<ContainerModuleLoadOptions, 'bind'>,
  name: string,
  token: ServiceIdentifier<{ eraseCustomer(customerId: string): Promise<number> }>,
): void {
  options
    .bind(Tokens.Erasable)
    .toDynamicValue((ctx) => {
      const service = ctx.get(token)
      return { name, eraseCustomer: (id: string) => service.eraseCustomer(id) }
    })
    .inSingletonScope()
}

/** A custom event type a module adds to the hub's catalogue. */
export interface EventRegistration {
  /** The event type, e.g. `audience.matched`. */
  readonly type: string
  /** Its definition. */
  readonly definition: EventDefinition
}

/** Registers custom event types from a module; the hub adds them to its catalogue when built. */
export function provideEvents(
  options: Pick<ContainerModuleLoadOptions, 'bind'>,
  events: Readonly<Record<string, EventDefinition>>,
): void {
  for (const [type, definition] of Object.entries(events)) {
    options.bind(Tokens.EventRegistration).toConstantValue({ type, definition })
  }
}
