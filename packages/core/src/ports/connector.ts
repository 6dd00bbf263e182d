import type { EventInput } from '../envelope.js'

/** How publishing a connector's event went: accepted, or refused with the reason. */
export type EmitResult = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: Error }

/** Publishes an event into the hub on behalf of a connector. */
export type Emit = (event: EventInput) => Promise<EmitResult>

/** A connector's own view of its health. */
export interface ConnectorHealth {
  /** `up`: working. `degraded`: working with errors. `down`: not working. */
  readonly status: 'up' | 'degraded' | 'down'
  /** One line for operators. */
  readonly detail?: string
  /** When it last brought an event in (ISO). */
  readonly lastEventAt?: string
  /** Counters since start. */
  readonly counters?: Readonly<Record<string, number>>
}

/**
 * The Connector port: brings events in from outside (POS, ERP, files, webhooks). The hub
 * starts it with an {@link Emit} function and stops it on shutdown. Check yours with
 * `describeConnectorContract` from `@omotenashi/core/testing`.
 */
export interface Connector {
  /** Unique connector id. */
  readonly id: string
  /** Starts bringing events in through `emit`. */
  start(emit: Emit): Promise<void>
  /** Stops; resolves once nothing more will be emitted. */
  stop(): Promise<void>
  /** Current health. */
  health(): Promise<ConnectorHealth>
}
