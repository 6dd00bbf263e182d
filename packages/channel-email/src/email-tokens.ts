import { token, type IdempotencyLedger } from '@omotenashi/core'
import type { EmailChannel } from './email-channel.js'
import type { EmailFeedback } from './email-feedback.js'

/** Service identifiers of `@omotenashi/channel-email`. */
export const EmailTokens = {
  /** The {@link EmailChannel} (also bound as a core `Channel`). */
  Channel: token<EmailChannel>('@omotenashi/channel-email:Channel'),
  /** Unsubscribes, bounces and complaints ({@link EmailFeedback}, also bound as a core `Connector`). */
  Feedback: token<EmailFeedback>('@omotenashi/channel-email:Feedback'),
  /**
   * The send ledger: makes a retried decision mail once. Default: the hub's
   * `IdempotencyLedger` (memory unless a store package binds one), keys prefixed `email-ledger:`.
   */
  SendLedger: token<IdempotencyLedger>('@omotenashi/channel-email:SendLedger'),
} as const
