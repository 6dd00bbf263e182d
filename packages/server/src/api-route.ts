import type { FastifyReply, FastifyRequest } from 'fastify'
import type * as z from 'zod'
import type { Scope } from './api-keys.js'

/** Who may call a route: no key (`public`) or a key with this scope. */
export type Access = Scope | 'public'

/** What a handler receives: the request's parts, already validated. */
export interface RouteInput<B, Q, P> {
  readonly body: B
  readonly query: Q
  readonly params: P
  readonly request: FastifyRequest
  readonly reply: FastifyReply
}

/**
 * One endpoint of the API, as data: the same table registers the Fastify routes and generates
 * the OpenAPI document, so the two cannot drift apart.
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly url: string
  readonly access: Access
  readonly summary: string
  readonly tag: string
  readonly body?: z.ZodType
  readonly query?: z.ZodType
  readonly params?: z.ZodType
  /** JSON Schema of the body for the OpenAPI document, when the zod schema is too loose to say it. */
  readonly bodyDoc?: Record<string, unknown>
  /** Content types the body may have (OpenAPI). Default `application/json`. */
  readonly contentTypes?: readonly string[]
  /** Status codes and what they mean (OpenAPI). */
  readonly responses?: Readonly<Record<string, string>>
  /** The key may come as `writeKey` in the JSON body (Segment's SDKs do so). */
  readonly writeKeyInBody?: boolean
  /** Exempt from rate limits (health probes). */
  readonly unlimited?: boolean
  readonly handler: (input: RouteInput<unknown, unknown, unknown>) => Promise<unknown>
}

/** Declares a route with typed, validated input. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(
  route: Omit<ApiRoute, 'handler' | 'body' | 'query' | 'params'> & {
    readonly body?: z.ZodType<B>
    readonly query?: z.ZodType<Q>
    readonly params?: z.ZodType<P>
    readonly handler: (input: RouteInput<B, Q, P>) => Promise<unknown>
  },
): ApiRoute {
  return route as unknown as ApiRoute
}
