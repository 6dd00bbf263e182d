import * as z from 'zod'
import { ProfileRules } from '../profile-rules.js'

/** The shared tablet id the contract suite blocks. */
export const CONTRACT_SHARED_TABLET = 'shared-tablet-1'

/**
 * The rules {@link describeProfileStoreContract} runs with (it hands them to `makeStore`): the
 * defaults plus small limits (so they are easy to hit), a blocked shared-tablet id and a custom
 * kind with its own schema.
 */
export function contractRules(): ProfileRules {
  return new ProfileRules({
    defaultRegion: 'JP',
    kinds: {
      anonymousId: { maxPerProfile: 3, blocked: [CONTRACT_SHARED_TABLET] },
      deviceToken: { maxPerProfile: 2 },
      memberNo: { schema: z.string().regex(/^M\d{4}$/, 'must be "M" and four digits'), priority: 95 },
    },
    maxActivity: 100,
    maxAppliedEventIds: 64,
  })
}
