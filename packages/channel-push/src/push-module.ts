import { provideDefault, registerErasable, Tokens, parseOptions } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { ApnsProvider } from './apns-provider.js'
import { FcmProvider } from './fcm-provider.js'
import { InboxChannel } from './inbox-channel.js'
import { InboxChannelOptionsSchema, parsePushChannelOptions, type InboxChannelOptions, type PushChannelOptions } from './push-options.js'
import { PushChannel, type PushProviders } from './push-channel.js'
import { PushRegistry } from './push-registry.js'
import { deviceRoutes } from './push-routes.js'
import { MemoryPushTokenStore } from './push-token-store.js'
import { PushTokens } from './push-tokens.js'
import { WebPushProvider } from './web-push-provider.js'

/**
 * The push channel as a hub module: binds the `push` channel (Web Push, FCM and/or APNs), the
 * device registry (a connector publishing `push.token_registered` / `push.token_revoked`), the
 * device registration routes, and a memory token store unless one is bound.
 *
 * @example
 * ```ts
 * pushChannel({
 *   webPush: { vapid: { subject: 'mailto:ops@example.jp', publicKey, privateKey } },
 *   fcm: { projectId: 'my-shop', accessToken: () => auth.getAccessToken().then((t) => t!) },
 *   apns: { teamId: 'ABCDE12345', keyId: 'KEY1234567', privateKey: p8, topic: 'jp.example.shop' },
 * })
 * ```
 */
export function pushChannel(input: PushChannelOptions): ContainerModule {
  const o = parsePushChannelOptions(input)
  return new ContainerModule((m) => {
    provideDefault(m, PushTokens.TokenStore, () => new MemoryPushTokenStore())
    provideDefault(m, PushTokens.SendLedger, (ctx) => ctx.get(Tokens.IdempotencyLedger))
    registerErasable(m, 'pushTokens', PushTokens.TokenStore)

    m.bind(PushTokens.Registry)
      .toDynamicValue((ctx) => new PushRegistry(ctx.get(PushTokens.TokenStore), ctx.get(Tokens.Clock)))
      .inSingletonScope()
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(PushTokens.Registry))
    m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => deviceRoutes(o.devicesPath, ctx.get(PushTokens.Registry))[0]!)
    m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => deviceRoutes(o.devicesPath, ctx.get(PushTokens.Registry))[1]!)

    m.bind(PushTokens.Channel)
      .toDynamicValue((ctx) => {
        const providers: { -readonly [K in keyof PushProviders]: PushProviders[K] } = {}
        if (o.webPush) {
          providers.webpush = new WebPushProvider({
            ...o.webPush.vapid,
            ...(o.webPush.agent === undefined ? {} : { agent: o.webPush.agent }),
            ...(o.webPush.timeoutMs === undefined ? {} : { timeoutMs: o.webPush.timeoutMs }),
          })
        }
        if (o.fcm) {
          const { baseUrl, fetch, timeoutMs, ...rest } = o.fcm
          providers.fcm = new FcmProvider({ ...rest, ...(baseUrl === undefined ? {} : { baseUrl }), ...(fetch === undefined ? {} : { fetch }), ...(timeoutMs === undefined ? {} : { timeoutMs }) })
        }
        if (o.apns) {
          const { environment, url, ca, tokenTtlMs, timeoutMs, ...rest } = o.apns
          providers.apns = new ApnsProvider({
            ...rest,
            ...(environment === undefined ? {} : { environment }),
            ...(url === undefined ? {} : { url }),
            ...(ca === undefined ? {} : { ca }),
            ...(tokenTtlMs === undefined ? {} : { tokenTtlMs }),
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
          })
        }
        const registry = ctx.get(PushTokens.Registry)
        return new PushChannel({
          id: o.id,
          providers,
          tokens: ctx.get(PushTokens.TokenStore),
          ledger: ctx.get(PushTokens.SendLedger),
          clock: ctx.get(Tokens.Clock),
          defaults: { ttlSeconds: o.ttlSeconds, urgency: o.urgency },
          maxDevices: o.maxDevices,
          onRevoked: () => registry.noteRevoked(),
        })
      })
      .inSingletonScope()
    m.bind(Tokens.Channel).toDynamicValue((ctx) => ctx.get(PushTokens.Channel))
  })
}

/**
 * The in-app inbox channel as a hub module: stores messages in the hub's `InboxStore`
 * (`Tokens.InboxStore`: memory by default, PostgreSQL/Redis through the store packages) with an
 * expiry, once per idempotency key. List it after `push` in an action's channels to fall back
 * to the inbox when push is off.
 */
export function inboxChannel(input: InboxChannelOptions = {}): ContainerModule {
  const o = parseOptions(InboxChannelOptionsSchema, input, 'inboxChannel')
  return new ContainerModule((m) => {
    m.bind(PushTokens.InboxChannel)
      .toDynamicValue((ctx) => new InboxChannel({ id: o.id, store: ctx.get(Tokens.InboxStore), clock: ctx.get(Tokens.Clock), ttlSeconds: o.ttlSeconds }))
      .inSingletonScope()
    m.bind(Tokens.Channel).toDynamicValue((ctx) => ctx.get(PushTokens.InboxChannel))
  })
}
