import * as z from 'zod'
import type { EventDefinition } from '@omotenashi/core'

/**
 * Published when a send learns that a LINE user cannot be reached (LINE says the user does not
 * exist for this channel). Blocks arrive as `line.unfollowed` instead, since LINE answers sends
 * to users who blocked the account with 200.
 */
export const LINE_REACHABILITY_CHANGED = 'line.reachability_changed'

/** The custom event types this package adds to the hub's catalogue. */
export const LINE_EVENTS: Readonly<Record<string, EventDefinition>> = {
  [LINE_REACHABILITY_CHANGED]: {
    needsCustomer: true,
    description: 'LINE reachability of a customer changed (learnt while sending).',
    data: z.looseObject({ channel: z.literal('line'), reachable: z.boolean(), reason: z.string().max(2000).optional() }),
  },
}
