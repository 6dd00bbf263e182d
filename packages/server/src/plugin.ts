import { createGunzip, createInflate } from 'node:zlib'
import { ErrorCode, OmotenashiError, Tokens, ValidationError, issuesFromZod, type HttpRoute, type Hub } from '@omotenashi/core'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import type * as z from 'zod'
import { ApiKeyRing, credentialFrom, type ApiKeyRecord } from './api-keys.js'
import type { Access, ApiRoute } from './api-route.js'
import { HttpError, HttpErrorCode, toErrorReply } from './http-error.js'
import { Ingestor } from './ingest/ingestor.js'
import { SEGMENT_EVENT_TYPES } from './ingest/segment-mapping.js'
import { ServerMetrics } from './metrics.js'
import { mountRoutes, upgradeHandler } from './mounted-routes.js'
import { buildOpenApi } from './openapi.js'
import { ServerOptionsSchema, type ResolvedServerOptions, type ServerOptions } from './options.js'
import { adminRoutes } from './routes/admin-routes.js'
import { isBinaryMode, isJsonMediaType } from './ingest/cloudevents-binary.js'
import { CLOUDEVENTS_TYPES, cloudEventsRoutes } from './routes/cloudevents-routes.js'
import type { RouteContext } from './routes/context.js'
import { decisionRoutes } from './routes/decision-routes.js'
import { inboxRoutes } from './routes/inbox-routes.js'
import { nativeIngestRoutes } from './routes/native-ingest-routes.js'
import { profileRoutes } from './routes/profile-routes.js'
import { segmentRoutes } from './routes/segment-routes.js'
import { systemRoutes } from './routes/system-routes.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key that authenticated the request (its record, never the key). */
    apiKey: ApiKeyRecord | null
  }
  interface FastifyContextConfig {
    access?: Access
    unlimited?: boolean
    mounted?: boolean
    writeKeyInBody?: boolean
  }
}

/** Options of {@link omotenashiPlugin}: the hub and the server options. */
export type OmotenashiPluginOptions = ServerOptions & { readonly hub: Hub }

/** Validates server options; a bad option throws an error naming the field. */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const parsed = ServerOptionsSchema.safeParse(options)
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error)
    throw new OmotenashiError(ErrorCode.Config, `server options are invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { details: { issues } })
  }
  return parsed.data
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, what: string): T {
  if (!schema) return undefined as T
  const result = schema.safeParse(value)
  if (!result.success) throw ValidationError.fromZod(what, result.error)
  return result.data
}

/**
 * The Omotenashi HTTP API as a Fastify plugin: register it on your own Fastify instance
 * (`app.register(omotenashiPlugin, { hub, apiKeys })`, with a `prefix` if you like). It keeps to
 * its own encapsulated context: its error handler, auth and rate limits touch only its routes.
 */
export const omotenashiPlugin: FastifyPluginAsync<OmotenashiPluginOptions> = async (app, pluginOptions) => {
  const { hub, ...rest } = pluginOptions
  const { prefix: _prefix, logLevel: _logLevel, ...serverOptions } = rest as ServerOptions & { prefix?: string; logLevel?: string }
  const options = resolveServerOptions(serverOptions)
  const prefix = app.prefix
  for (const [type, definition] of Object.entries(SEGMENT_EVENT_TYPES)) if (!hub.catalog.has(type)) hub.catalog.register(type, definition)

  const keys = new ApiKeyRing(options.apiKeys)
  const metrics = new ServerMetrics(hub)
  const ingestor = new Ingestor(hub, { ...options.limits, dedupe: options.dedupe })
  const ctx: RouteContext = { hub, options, ingestor, metrics }
  const bodyLimit = options.limits.maxBatchBytes

  app.decorateRequest('apiKey', null)

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorReply(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.error.code, statusCode: status }, 'request refused')
    if (status === 401) reply.header('www-authenticate', 'Bearer, Basic realm="omotenashi"')
    return reply.code(status).send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: ErrorCode.NotFound, message: `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 100)}` } }),
  )

  const authorize = (request: FastifyRequest, access: Exclude<Access, 'public'>, credential: string | undefined): void => {
    if (credential === undefined) throw new HttpError(401, ErrorCode.Unauthorized, 'an API key is required: Authorization: Bearer <key> (or Basic with the key as user name)')
    const key = keys.verify(credential)
    if (!key) throw new HttpError(401, ErrorCode.Unauthorized, 'the API key is not valid')
    if (!key.scopes.includes(access)) throw new HttpError(403, ErrorCode.Forbidden, `this API key lacks the "${access}" scope this endpoint needs`)
    request.apiKey = key
  }
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const { access, writeKeyInBody } = request.routeOptions.config
    if (access === undefined || access === 'public') return
    const credential = credentialFrom(request.headers)
    // Segment's analytics-node sends its write key in the JSON body, not in a header: checked once parsed.
    if (credential === undefined && writeKeyInBody) return
    authorize(request, access, credential)
  })
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const { access, writeKeyInBody } = request.routeOptions.config
    if (!writeKeyInBody || request.apiKey || access === undefined || access === 'public') return
    const body = request.body as { writeKey?: unknown } | null | undefined
    authorize(request, access, typeof body?.writeKey === 'string' && body.writeKey ? body.writeKey : undefined)
  })
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config.mounted) return
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
  })

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.name}` : `ip:${request.ip}`),
    max: (request) => request.apiKey?.rateLimit?.max ?? options.rateLimit.max,
    timeWindow: (request) => request.apiKey?.rateLimit?.timeWindowMs ?? options.rateLimit.timeWindowMs,
    allowList: (request) => request.routeOptions.config.unlimited === true,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: HttpErrorCode.RateLimited,
      message: `rate limit exceeded: ${context.max} requests per ${context.after}`,
    }),
  })

  const register = (scope: FastifyInstance, route: ApiRoute): void => {
    scope.route({
      method: route.method,
      url: route.url,
      bodyLimit,
      config: { access: route.access, ...(route.unlimited ? { unlimited: true } : {}), ...(route.writeKeyInBody ? { writeKeyInBody: true } : {}) },
      handler: async (request, reply) => {
        const body = parsePart(route.body, request.body, 'body')
        const query = parsePart(route.query, request.query, 'query')
        const params = parsePart(route.params, request.params, 'path')
        return route.handler({ body, query, params, request, reply })
      },
    })
  }

  const ingest = [...nativeIngestRoutes(ctx), ...segmentRoutes(ctx), ...cloudEventsRoutes(ctx)]
  const others = [...profileRoutes(ctx), ...decisionRoutes(ctx), ...inboxRoutes(ctx), ...adminRoutes(ctx), ...systemRoutes(ctx)]

  await app.register(async (child) => {
    if (options.cors) {
      // @fastify/cors answers preflights for every path; only the ingest paths may allow an origin.
      const ingestPaths = new Set(ingest.map((r) => prefix + r.url))
      const allowed = {
        origin: options.cors.origins,
        methods: ['POST', 'OPTIONS'],
        // CloudEvents binary mode from a browser: the required and common attribute headers.
        allowedHeaders: ['authorization', 'content-type', 'content-encoding', 'x-api-key', 'ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'ce-subject', 'ce-dataschema'],
        maxAge: 600,
        // A malformed preflight gets an empty 204, not the plugin's plain-text 400.
        strictPreflight: false,
      }
      await child.register(cors, () => (request: { url?: string }, callback: (error: Error | null, options: Record<string, unknown>) => void) => {
        const path = (request.url ?? '').split('?')[0] ?? ''
        callback(null, ingestPaths.has(path) ? allowed : { origin: false })
      })
    }
    // RudderStack's SDK gzips its batches by default; bodyLimit applies to the inflated bytes.
    child.addHook('preParsing', async (request, _reply, payload) => {
      const encoding = request.headers['content-encoding']?.toLowerCase().trim()
      if (encoding === undefined || encoding === 'identity') return payload
      if (encoding !== 'gzip' && encoding !== 'deflate') throw new HttpError(415, HttpErrorCode.UnsupportedMediaType, `unsupported content-encoding "${encoding.slice(0, 40)}": use gzip, deflate or none`)
      const inflate = encoding === 'gzip' ? createGunzip() : createInflate()
      let received = 0
      payload.on('data', (chunk: Buffer) => {
        received += chunk.length
        ;(inflate as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received
      })
      payload.on('error', (error) => inflate.destroy(error))
      inflate.on('error', (error) => Object.assign(error, { statusCode: 400, code: 'E_BAD_ENCODING', message: `the body is not valid ${encoding}` }))
      return payload.pipe(inflate)
    })
    const json = child.getDefaultJsonParser('error', 'error')
    child.addContentTypeParser([...CLOUDEVENTS_TYPES], { parseAs: 'string', bodyLimit }, json)
    // RudderStack's Node SDK labels its JSON application/x-www-form-urlencoded; browsers send
    // text/plain to avoid a CORS preflight. Both bodies are JSON here, except the data of a
    // CloudEvent in binary mode, which is what its content type says.
    child.removeContentTypeParser('text/plain')
    child.addContentTypeParser(['application/x-www-form-urlencoded', 'text/plain'], { parseAs: 'string', bodyLimit }, (request, body, done) => {
      if (isBinaryMode(request.headers) && !isJsonMediaType(request.headers['content-type'])) return done(null, body)
      void json(request, body as string, done)
    })
    // CloudEvents binary mode carries the data in any media type: JSON ones are parsed, text is
    // kept as text; everything else is refused as the framework would (415).
    child.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (request, body, done) => {
      const type = request.headers['content-type']
      if (isBinaryMode(request.headers)) {
        if (isJsonMediaType(type)) return void json(request, body as string, done)
        if ((type ?? '').toLowerCase().startsWith('text/')) return done(null, body)
        return done(new HttpError(415, HttpErrorCode.UnsupportedMediaType, `CloudEvents binary mode: the data must be JSON (application/json or a +json type) or text/*, not "${(type ?? '').slice(0, 60)}"`), undefined)
      }
      done(Object.assign(new Error('unsupported content-type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined)
    })
    for (const route of ingest) register(child, route)
  })

  for (const route of others) register(app, route)

  const mounted: HttpRoute[] = options.mountRoutes && hub.container.isBound(Tokens.HttpRoute) ? hub.container.getAll(Tokens.HttpRoute) : []
  let document: Record<string, unknown> | undefined
  const openapi: ApiRoute = {
    method: 'GET',
    url: '/openapi.json',
    access: 'public',
    tag: 'system',
    summary: 'This document.',
    unlimited: true,
    handler: async () => (document ??= buildOpenApi(hub, [...ingest, ...others, openapi], mounted, prefix)),
  }
  register(app, openapi)
  if (mounted.length > 0) await mountRoutes(app, mounted, metrics)

  const onUpgrade = upgradeHandler(mounted, keys, prefix, () => app.server.listenerCount('upgrade'))
  if (mounted.some((r) => r.upgrade)) app.server.on('upgrade', onUpgrade)
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade)
    metrics.detach()
  })
}
