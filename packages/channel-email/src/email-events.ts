import type { EventDefinition } from '@omotenashi/core'
import * as z from 'zod'

/** Payload of `email.bounced`: a delivery status notification about one address. */
export const EmailBouncedDataSchema = z.looseObject({
  /** `hard`: the address cannot receive mail (treat as unreachable). `soft`: temporary. */
  severity: z.enum(['hard', 'soft']),
  /** RFC 3464 action (`failed`, `delayed`…). */
  action: z.string().max(50),
  /** Enhanced status code, e.g. `5.1.1`. */
  status: z.string().max(20).optional(),
  /** The action whose email bounced. */
  actionId: z.string().max(200).optional(),
  /** Message-ID of the bounced email. */
  messageId: z.string().max(998).optional(),
})

/** Payload of `email.complained`: the customer marked an email as spam (ARF report). */
export const EmailComplainedDataSchema = z.looseObject({
  feedbackType: z.string().max(50),
  actionId: z.string().max(200).optional(),
  messageId: z.string().max(998).optional(),
})

/**
 * The event types this package adds to the hub's catalogue. Hard bounces and complaints are
 * also reported with standard events (`message.failed`, `consent.changed`) so other packages
 * need not know these.
 */
export const EMAIL_EVENTS = {
  'email.bounced': {
    needsCustomer: true,
    data: EmailBouncedDataSchema,
    description: 'An email bounced (a delivery status notification came back).',
  },
  'email.complained': {
    needsCustomer: true,
    data: EmailComplainedDataSchema,
    description: 'The customer reported an email as spam (an ARF feedback report came back).',
  },
} as const satisfies Record<string, EventDefinition>
