// The SMS channel from docs/writing-a-channel.md. docs/writing-a-channel.test.ts runs the
// channel contract suite against it, so the guide cannot drift from what works.
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { Tokens, ValidationError, type Channel, type DeliveryResult } from '@omotenashi/core'

/** What the SMS provider's client must offer: one call, returning the provider's message id. */
export interface SmsClient {
  send(request: { to: string; text: string; idempotencyKey: string }): Promise<{ id: string }>
}

/** A provider error with an HTTP-like status, so the channel can classify it. */
export class SmsProviderError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const SmsOptionsSchema = z.object({
  sender: z.string().min(1, 'the sender id must not be empty'),
  maxLength: z.number().int().positive().default(670),
})

/** Options of {@link smsChannel}. */
export type SmsOptions = z.input<typeof SmsOptionsSchema> & { readonly client: SmsClient }

/** Builds the channel itself (exported for tests). */
export function createSmsChannel(options: SmsOptions): Channel {
  const parsed = SmsOptionsSchema.safeParse(options)
  if (!parsed.success) throw ValidationError.fromZod('smsChannel options', parsed.error)
  const { maxLength } = parsed.data
  return {
    id: 'sms',
    capabilities: { addressKind: 'phone' },
    async send(message, recipient, { idempotencyKey }): Promise<DeliveryResult> {
      const to = recipient.identifiers['phone']?.[0]
      if (!to) return { status: 'failed', permanent: true, reason: 'the customer has no phone number' }
      const text = (message.text ?? message.title ?? '').slice(0, maxLength)
      try {
        const { id } = await options.client.send({ to, text, idempotencyKey })
        return { status: 'sent', providerMessageId: id }
      } catch (error) {
        // 4xx: retrying cannot help (unknown number, opted out at the carrier). Else: retry.
        const status = error instanceof SmsProviderError ? error.status : 0
        const permanent = status >= 400 && status < 500 && status !== 429
        return { status: 'failed', permanent, reason: `sms provider answered ${status || 'no response'}` }
      }
    },
  }
}

/** The module an adopter adds to `createHub({ modules })`. */
export function smsChannel(options: SmsOptions): ContainerModule {
  const channel = createSmsChannel(options)
  return new ContainerModule(({ bind }) => {
    bind(Tokens.Channel).toConstantValue(channel)
  })
}
