import type { Connector, ConnectorHealth, Emit } from '@omotenashi/core'
import type { LineWebhookHandler } from './webhook-handler.js'

/**
 * The LINE webhook as a hub Connector: the hub starts it with its `emit`, and from then on the
 * webhook route takes events in through it. Before start and after stop the webhook answers 503
 * (LINE redelivers, when redelivery is on), so nothing is taken in that the hub cannot process.
 */
export class LineWebhookConnector implements Connector {
  readonly id: string
  #emit: Emit | undefined
  #handler: LineWebhookHandler | undefined

  constructor(id = 'line-webhook') {
    this.id = id
  }

  /** Links the handler whose counters the health reports. */
  attach(handler: LineWebhookHandler): void {
    this.#handler = handler
  }

  /** The emit function while started. */
  get emit(): Emit | undefined {
    return this.#emit
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
  }

  async stop(): Promise<void> {
    this.#emit = undefined
    await this.#handler?.idle()
  }

  async health(): Promise<ConnectorHealth> {
    const counters = { ...(this.#handler?.counters ?? {}) }
    const lastEventAt = this.#handler?.lastEventAt
    const base = { counters, ...(lastEventAt === undefined ? {} : { lastEventAt }) }
    if (!this.#emit) return { status: 'down', detail: 'not started', ...base }
    const rejected = this.#handler?.counters.rejected ?? 0
    return rejected > 0 ? { status: 'degraded', detail: `${rejected} webhook events refused by the catalogue`, ...base } : { status: 'up', ...base }
  }
}
