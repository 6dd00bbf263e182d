import { ContainerModule } from 'inversify'
import { token, Tokens, type HttpRoute } from '@omotenashi/core'
import { createLineParts, type LineParts } from './assemble.js'
import type { LineChannel } from './line-channel.js'
import type { LineChannelOptions } from './options.js'
import type { LineWebhookHandler } from './webhook-handler.js'

/** Service identifiers of `@omotenashi/channel-line`. */
export const LineTokens = {
  /** The {@link LineChannel} itself (for `multicast`, beyond the Channel port). */
  Channel: token<LineChannel>('@omotenashi/channel-line:Channel'),
  /** The webhook handler (to mount it on a framework yourself, e.g. with `lineWebhookFastify`). */
  WebhookHandler: token<LineWebhookHandler>('@omotenashi/channel-line:WebhookHandler'),
  /** All the parts, linked. */
  Parts: token<LineParts>('@omotenashi/channel-line:Parts'),
} as const

/**
 * The LINE module: binds the channel (id `line`, addressed by `lineUserId`), the webhook as an
 * HTTP route (`POST /webhooks/line`, public: it authenticates by signature), and the connector
 * that brings webhook events into the hub. Options are checked now, templates and surveys
 * included, so a bad one fails when the hub is assembled, not at the first send.
 *
 * @example
 * ```ts
 * const hub = await createHub({ modules: [lineChannel({ channelAccessToken, channelSecret })] })
 * ```
 */
export function lineChannel(options: LineChannelOptions): ContainerModule {
  // Validate eagerly (templates included), then build again inside the container with its clock.
  createLineParts(options)
  return new ContainerModule((m) => {
    m.bind(LineTokens.Parts)
      .toDynamicValue((ctx) => {
        const clock = ctx.get(Tokens.Clock)
        return createLineParts(options, () => clock.now())
      })
      .inSingletonScope()
    m.bind(LineTokens.Channel).toDynamicValue((ctx) => ctx.get(LineTokens.Parts).channel).inSingletonScope()
    m.bind(LineTokens.WebhookHandler).toDynamicValue((ctx) => ctx.get(LineTokens.Parts).webhook).inSingletonScope()
    m.bind(Tokens.Channel).toDynamicValue((ctx) => ctx.get(LineTokens.Parts).channel).inSingletonScope()
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(LineTokens.Parts).connector).inSingletonScope()
    m.bind(Tokens.HttpRoute)
      .toDynamicValue((ctx): HttpRoute => {
        const parts = ctx.get(LineTokens.Parts)
        return {
          method: 'POST',
          path: parts.webhookPath,
          access: 'public',
          summary: 'LINE webhook (follow, unfollow, messages, postbacks); authenticated by X-Line-Signature',
          handle: (request, response) => parts.webhook.handle(request, response),
        }
      })
      .inSingletonScope()
  })
}
