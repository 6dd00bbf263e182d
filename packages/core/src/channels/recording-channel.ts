import { ContainerModule } from 'inversify'
import type { Channel, ChannelCapabilities, DeliveryResult, OutboundMessage, Recipient, SendOptions } from '../ports/channel.js'
import { Tokens } from '../hub/tokens.js'

/** One send a {@link RecordingChannel} took. */
export interface RecordedSend {
  readonly message: OutboundMessage
  readonly recipient: Recipient
  readonly idempotencyKey: string
  readonly at: number
}

/** Options of {@link RecordingChannel}. */
export interface RecordingChannelOptions {
  /** Channel id. */
  readonly id: string
  /** Capabilities; default `{}`. */
  readonly capabilities?: ChannelCapabilities
  /** Decides each send's result (default: sent). Lets tests script failures. */
  readonly respond?: (message: OutboundMessage, recipient: Recipient, options: SendOptions) => DeliveryResult | Promise<DeliveryResult>
  /** Time source for `at`. */
  readonly now?: () => number
}

/**
 * A channel that records what it would have sent: the local sink of the demo hub, and a
 * stand-in for a real channel in tests of everything upstream. Honours idempotency keys.
 */
export class RecordingChannel implements Channel {
  readonly id: string
  readonly capabilities: ChannelCapabilities
  /** Every send taken, in order (duplicates excluded). */
  readonly sent: RecordedSend[] = []
  readonly #seen = new Map<string, DeliveryResult>()
  readonly #options: RecordingChannelOptions

  constructor(options: RecordingChannelOptions) {
    this.id = options.id
    this.capabilities = options.capabilities ?? {}
    this.#options = options
  }

  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    const previous = this.#seen.get(options.idempotencyKey)
    if (previous && previous.status === 'sent') return { ...previous, status: 'duplicate' }
    const result = (await this.#options.respond?.(message, recipient, options)) ?? { status: 'sent', providerMessageId: `${this.id}-${this.sent.length + 1}` }
    if (result.status === 'sent') {
      this.sent.push({ message, recipient, idempotencyKey: options.idempotencyKey, at: this.#options.now?.() ?? Date.now() })
    }
    this.#seen.set(options.idempotencyKey, result)
    return result
  }
}

/** A module binding a {@link RecordingChannel}; pass the instance to read what it recorded. */
export function recordingChannel(channel: RecordingChannel | RecordingChannelOptions): ContainerModule {
  const instance = channel instanceof RecordingChannel ? channel : new RecordingChannel(channel)
  return new ContainerModule(({ bind }) => {
    bind(Tokens.Channel).toConstantValue(instance)
  })
}
