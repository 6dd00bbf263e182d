import type { Hub } from '@omotenashi/core'
import Fastify, { type FastifyInstance } from 'fastify'
import type { FastifyBaseLogger } from 'fastify'
import type { DestinationStream } from 'pino'
import { toErrorReply } from './http-error.js'
import { createServerLogger } from './logger.js'
import type { ServerOptions } from './options.js'
import { omotenashiPlugin, resolveServerOptions } from './plugin.js'

/** Options of {@link omotenashiServer}: the API's options plus the Fastify instance's. */
export type OmotenashiServerOptions = ServerOptions & {
  /** Logging: false for none, or a level and a destination stream. Default: info to stdout. */
  readonly logger?: false | { readonly level?: string; readonly stream?: DestinationStream }
  /** Trust `X-Forwarded-For` (behind a proxy) for client addresses. Default false. */
  readonly trustProxy?: boolean
}

/**
 * A ready-made Fastify server with the whole Omotenashi API on it. Call `listen` yourself:
 *
 * @example
 * ```ts
 * const app = await omotenashiServer(hub, { apiKeys: [{ name: 'web', sha256: hashApiKey(key), scopes: ['ingest'] }] })
 * await app.listen({ port: 8080, host: '0.0.0.0' })
 * ```
 */
export async function omotenashiServer(hub: Hub, options: OmotenashiServerOptions = {}): Promise<FastifyInstance> {
  const { logger, trustProxy, ...api } = options
  const resolved = resolveServerOptions(api) // fail fast, naming the bad field
  const app = Fastify({
    ...(logger === false ? { logger: false } : { loggerInstance: createServerLogger(logger ?? {}) as FastifyBaseLogger }),
    bodyLimit: resolved.limits.maxBatchBytes,
    trustProxy: trustProxy ?? false,
    // Client-chosen request ids would let a caller inject text into our logs.
    requestIdHeader: false,
    return503OnClosing: true,
    // Customer ids and identifiers may be up to 512 characters.
    routerOptions: { maxParamLength: 512 },
    // Router errors (bad URL encoding, over-long parameters) happen before any plugin: same JSON shape.
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = toErrorReply(error)
      void (reply as unknown as { code(n: number): { send(b: unknown): unknown } }).code(status).send(body)
    },
  })
  await app.register(omotenashiPlugin, { ...api, hub })
  return app
}
