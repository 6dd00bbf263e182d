import { ErrorCode, IdentitySchema, OmotenashiError, Tokens } from '@omotenashi/core'
import * as z from 'zod'
import { defineRoute, type ApiRoute } from '../api-route.js'
import { HttpError, HttpErrorCode } from '../http-error.js'
import { ProfileStoreToken, type ProfileReader } from '../profile-port.js'
import type { RouteContext } from './context.js'

/** `:customerId` path parameter. */
export const CustomerParams = z.object({ customerId: z.string().min(1).max(512) })
const IdentityBody = z.object({ identity: IdentitySchema })

/** Profiles: read, look up by identifier, export and erase (APPI/GDPR). */
export function profileRoutes(ctx: RouteContext): ApiRoute[] {
  const { hub } = ctx
  const store = (): ProfileReader => {
    if (!hub.container.isBound(ProfileStoreToken)) {
      throw new HttpError(501, HttpErrorCode.NotImplemented, 'this hub keeps no profiles: add profiles() from @omotenashi/profile to the modules')
    }
    return hub.get(ProfileStoreToken)
  }
  const resolve = async (identity: z.infer<typeof IdentitySchema>): Promise<string> => {
    const id = await hub.get(Tokens.IdentityResolver).resolve(identity, { create: false })
    if (id === undefined) throw new HttpError(404, ErrorCode.NotFound, 'no customer has these identifiers')
    return id
  }
  const read = async (customerId: string): Promise<unknown> => {
    const profile = await store().get(customerId)
    if (!profile) throw new HttpError(404, ErrorCode.NotFound, 'no profile with this customer id')
    return profile
  }
  const exportOf = async (customerId: string): Promise<Record<string, unknown>> => {
    const person = await store().export(customerId)
    if (!person) throw new HttpError(404, ErrorCode.NotFound, 'no profile with this customer id')
    // A merged-away id exports the survivor: decisions and inbox are read for the survivor too.
    customerId = person.profile.id
    const [decisions, inbox] = await Promise.all([
      hub.get(Tokens.DecisionLog).list(customerId, { limit: 10_000 }),
      hub.get(Tokens.InboxStore).list(customerId, { limit: 10_000 }),
    ])
    return { ...person, decisions, inbox }
  }
  const erase = async (customerId: string): Promise<unknown> => {
    try {
      return await hub.erase(customerId)
    } catch (error) {
      if (error instanceof OmotenashiError) throw error
      throw new HttpError(500, HttpErrorCode.Internal, 'erasure failed in one of the stores; nothing was reported erased')
    }
  }
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/profiles/:customerId',
      access: 'read',
      tag: 'profiles',
      summary: 'A customer profile.',
      params: CustomerParams,
      responses: { '200': 'the profile', '404': 'unknown customer' },
      handler: async ({ params }) => read(params.customerId),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/profiles/lookup',
      access: 'read',
      tag: 'profiles',
      summary: 'The profile of whoever has these identifiers (in the body, so they never appear in URLs or logs).',
      body: IdentityBody,
      responses: { '200': 'the profile', '404': 'nobody has them' },
      handler: async ({ body }) => read(await resolve(body.identity)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/profiles/:customerId/export',
      access: 'read',
      tag: 'profiles',
      summary: 'Everything held about a person (APPI/GDPR access request): profile, decisions, inbox.',
      params: CustomerParams,
      responses: { '200': 'the export', '404': 'unknown customer' },
      handler: async ({ params }) => exportOf(params.customerId),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/profiles/:customerId',
      access: 'admin',
      tag: 'profiles',
      summary: 'Erase a person everywhere the hub keeps data (APPI/GDPR). Returns what each store removed.',
      params: CustomerParams,
      responses: { '200': 'the erasure receipt' },
      handler: async ({ params }) => erase(params.customerId),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/profiles/erase',
      access: 'admin',
      tag: 'profiles',
      summary: 'Erase whoever has these identifiers.',
      body: IdentityBody,
      responses: { '200': 'the erasure receipt', '404': 'nobody has them' },
      handler: async ({ body }) => erase(await resolve(body.identity)),
    }),
  ]
}
