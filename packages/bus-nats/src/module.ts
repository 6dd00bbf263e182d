import { ContainerModule } from 'inversify'
import type { NatsConnection } from 'nats'
import { Tokens } from '@omotenashi/core'
import { NatsEventBus } from './nats-event-bus.js'
import type { NatsBusOptions } from './options.js'

/**
 * Replaces the hub's in-process bus with NATS JetStream, so several hub workers share the
 * work, partitioned by customer. Pass a ready connection to reuse yours (it is not closed).
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [natsBus({ servers: 'nats://127.0.0.1:4222', hub: 'shop' }), postgresStore({ pool })] })
 * ```
 */
export function natsBus(options: NatsBusOptions & { readonly connection?: NatsConnection } = {}): ContainerModule {
  const { connection, ...rest } = options
  const bus = new NatsEventBus(rest, connection)
  return new ContainerModule(({ bind }) => {
    bind(Tokens.EventBus).toConstantValue(bus)
  })
}
