// docs/profiles.md: "Identity rules"
import type { ValidationError } from '@omotenashi/core'
import { MemoryProfileStore, ProfileRules } from '@omotenashi/profile'
import * as z from 'zod'

export async function identityRules() {
  const rules = new ProfileRules({
    defaultRegion: 'JP',
    kinds: {
      anonymousId: { maxPerProfile: 5, blocked: ['kiosk-shibuya-01'] },
      memberNo: { schema: z.string().regex(/^\d{8}$/, 'must be 8 digits'), unique: true, priority: 95 },
    },
  })
  const store = new MemoryProfileStore({ rules })

  // Normalised before matching: the same person.
  const a = await store.resolve({ phone: '090-1234-5678' })
  const b = await store.resolve({ phone: '+81 90 1234 5678', memberNo: '00001234' })

  // A shared tablet never links two customers.
  const c = await store.resolve({ anonymousId: 'kiosk-shibuya-01', email: 'ken@example.jp' })

  // Two member numbers are two people: the merge is refused and reported, nothing half-applied.
  await store.resolve({ memberNo: '00005678', email: 'aiko@example.jp' })
  const d = await store.resolve({ email: 'aiko@example.jp', phone: '090-1234-5678' })

  // A malformed identifier is refused with the kind and the reason.
  const error = await store.resolve({ email: 'not-an-email' }).catch((e: unknown) => e as ValidationError)

  return { a, b, c, d, error }
}
