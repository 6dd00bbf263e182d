import * as z from 'zod'

/** Identifier kinds every hub understands. Integrators may add their own kinds (any other key). */
export const BUILT_IN_IDENTIFIER_KINDS = [
  'customerId',
  'loyaltyId',
  'posCustomerId',
  'lineUserId',
  'email',
  'phone',
  'deviceToken',
  'anonymousId',
] as const

/** A built-in identifier kind. */
export type BuiltInIdentifierKind = (typeof BUILT_IN_IDENTIFIER_KINDS)[number]

const identifierValue = z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters')
/** What an identifier kind may be called: letters, digits and `_`, a letter first, 64 at most (`loyaltyId`, `posCustomerId`). */
export const IDENTIFIER_KIND_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/

const kindName = z.string().regex(IDENTIFIER_KIND_PATTERN, 'identifier kinds are letters, digits and _ (max 64)')

/**
 * Who an event is about: a resolved `customerId` and/or any identifiers seen with it.
 * Unknown keys are custom identifier kinds (e.g. `memberNo`).
 */
export const IdentitySchema = z
  .object({
    customerId: identifierValue.optional(),
    loyaltyId: identifierValue.optional(),
    posCustomerId: identifierValue.optional(),
    lineUserId: identifierValue.optional(),
    email: identifierValue.optional(),
    phone: identifierValue.optional(),
    deviceToken: identifierValue.optional(),
    anonymousId: identifierValue.optional(),
  })
  .catchall(identifierValue)
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!kindName.safeParse(key).success) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is not a valid identifier kind name' })
      }
    }
  })

/** Who an event is about. See {@link IdentitySchema}. */
export type Identity = z.infer<typeof IdentitySchema>

/** Order in which identifiers are preferred as a partition key: the most stable first. */
const PARTITION_PRIORITY: readonly string[] = BUILT_IN_IDENTIFIER_KINDS

/**
 * The key an event is ordered by: the customer id if known, otherwise the most stable identifier
 * present (`kind:value`), otherwise `undefined`. Events of one key are processed in order.
 */
export function identityKey(identity: Identity | undefined): string | undefined {
  if (!identity) return undefined
  for (const kind of PARTITION_PRIORITY) {
    const value = identity[kind]
    if (value !== undefined) return kind === 'customerId' ? value : `${kind}:${value}`
  }
  const custom = Object.keys(identity).sort()[0]
  return custom === undefined ? undefined : `${custom}:${identity[custom]}`
}

/** Lists an identity's identifiers as `[kind, value]` pairs, `customerId` excluded. */
export function identifiersOf(identity: Identity | undefined): Array<[kind: string, value: string]> {
  if (!identity) return []
  return Object.entries(identity).filter(
    (entry): entry is [string, string] => entry[0] !== 'customerId' && typeof entry[1] === 'string',
  )
}
