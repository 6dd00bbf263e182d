import { CloudEventSchema, EventInputSchema, type Hub, type HttpRoute } from '@omotenashi/core'
import * as z from 'zod'
import type { ApiRoute } from './api-route.js'
import { SegmentMessageSchema } from './ingest/segment-schemas.js'

type Json = Record<string, unknown>

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  delete out['$schema']
  return out
}

const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
const paramNames = (url: string): string[] => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)

const SECURITY = [{ bearerAuth: [] }, { basicAuth: [] }, { apiKeyHeader: [] }]

/**
 * The OpenAPI 3.1 document of a server: every endpoint from the route table, every event type of
 * the hub's catalogue (from its zod schemas), and the routes mounted from other packages.
 */
export function buildOpenApi(hub: Hub, routes: readonly ApiRoute[], mounted: readonly HttpRoute[], prefix = ''): Record<string, unknown> {
  const schemas: Record<string, Json> = {
    EventEnvelope: jsonSchema(EventInputSchema),
    CloudEvent: jsonSchema(CloudEventSchema),
    SegmentMessage: jsonSchema(SegmentMessageSchema),
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', examples: ['E_VALIDATION'] },
            message: { type: 'string' },
            issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } },
          },
        },
      },
    },
  }
  const eventRefs: Json[] = []
  for (const type of hub.catalog.types()) {
    const definition = hub.catalog.get(type)
    if (!definition) continue
    const required = ['type', 'source', ...(definition.needsCustomer ? ['identity'] : []), ...(definition.needsStore ? ['storeId'] : [])]
    schemas[type] = {
      ...(definition.description ? { description: definition.description } : {}),
      allOf: [{ $ref: '#/components/schemas/EventEnvelope' }, { type: 'object', required, properties: { type: { const: type }, data: jsonSchema(definition.data as z.ZodType) } }],
    }
    eventRefs.push({ $ref: `#/components/schemas/${type}` })
  }
  schemas['Event'] = { oneOf: eventRefs, discriminator: { propertyName: 'type' } }

  const paths: Record<string, Record<string, Json>> = {}
  const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
  for (const route of routes) {
    const path = toOpenApiPath(prefix + route.url)
    const parameters: Json[] = paramNames(route.url).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    if (route.query) {
      const q = jsonSchema(route.query)
      for (const [name, schema] of Object.entries((q['properties'] as Record<string, Json> | undefined) ?? {})) parameters.push({ name, in: 'query', required: false, schema })
    }
    const responses: Record<string, Json> = {}
    for (const [status, description] of Object.entries(route.responses ?? { '200': 'OK' })) {
      responses[status] = status.startsWith('2') ? { description } : errorResponse(description)
    }
    if (route.access !== 'public') {
      responses['401'] = errorResponse('no valid API key')
      responses['403'] = errorResponse(`the key lacks the "${route.access}" scope`)
      responses['429'] = errorResponse('rate limit of this key exceeded')
    }
    const operation: Json = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [route.tag],
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      responses,
      security: route.access === 'public' ? [] : SECURITY,
      'x-omotenashi-scope': route.access,
    }
    if (route.body || route.bodyDoc) {
      const schema = route.bodyDoc ?? jsonSchema(route.body!)
      operation['requestBody'] = { required: true, content: Object.fromEntries((route.contentTypes ?? ['application/json']).map((t) => [t, { schema }])) }
    }
    ;(paths[path] ??= {})[route.method.toLowerCase()] = operation
  }
  for (const route of mounted) {
    const path = toOpenApiPath(prefix + route.path)
    ;(paths[path] ??= {})[route.method.toLowerCase()] = {
      tags: ['mounted'],
      summary: route.summary ?? 'Route contributed by a channel or connector package.',
      ...(paramNames(route.path).length > 0 ? { parameters: paramNames(route.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) } : {}),
      responses: { default: { description: 'defined by the contributing package' } },
      security: route.access === 'public' ? [] : SECURITY,
      'x-omotenashi-scope': route.access,
      ...(route.upgrade ? { 'x-websocket': true } : {}),
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Omotenashi HTTP API', version: '1', description: 'Ingest, profiles, decisions, inbox and operations of an Omotenashi hub.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`.' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'Segment-style write key: the key as user name, empty password.' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  }
}
