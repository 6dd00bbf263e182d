import { token, type IdempotencyLedger } from '@omotenashi/core'
import type { InboxChannel } from './inbox-channel.js'
import type { PushChannel } from './push-channel.js'
import type { PushRegistry } from './push-registry.js'
import type { PushTokenStore } from './push-token-store.js'

/** Service identifiers of `@omotenashi/channel-push`. */
export const PushTokens = {
  /** The {@link PushChannel} (also bound as a core `Channel`). */
  Channel: token<PushChannel>('@omotenashi/channel-push:Channel'),
  /** The {@link InboxChannel} (also bound as a core `Channel`). */
  InboxChannel: token<InboxChannel>('@omotenashi/channel-push:InboxChannel'),
  /** Device registration ({@link PushRegistry}, also bound as a core `Connector`). */
  Registry: token<PushRegistry>('@omotenashi/channel-push:Registry'),
  /** Devices and dead tokens ({@link PushTokenStore}); memory by default. */
  TokenStore: token<PushTokenStore>('@omotenashi/channel-push:TokenStore'),
  /**
   * The per-device send ledger. Default: the hub's `IdempotencyLedger`, keys prefixed
   * `push-ledger:`.
   */
  SendLedger: token<IdempotencyLedger>('@omotenashi/channel-push:SendLedger'),
} as const
