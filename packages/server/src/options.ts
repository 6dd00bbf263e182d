import type { EventInput } from '@omotenashi/core'
import * as z from 'zod'
import { SCOPES } from './api-keys.js'
import type { SegmentMessage } from './ingest/segment-schemas.js'

/** Maps one Segment `track` message to (part of) an event; return undefined to fall back to `segment.track`. */
export type SegmentTrackMapper = (message: SegmentMessage) => Partial<EventInput> | undefined

const apiKeySchema = z.object({
  name: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be the hex SHA-256 of the key (use hashApiKey)'),
  scopes: z.array(z.enum(SCOPES)).min(1),
  rateLimit: z.object({ max: z.number().int().positive(), timeWindowMs: z.number().int().positive().optional() }).optional(),
})

/** Options of {@link omotenashiServer} and {@link omotenashiPlugin}, validated with zod. */
export const ServerOptionsSchema = z.object({
  /** API keys (hashed). With none, every endpoint but health, readiness and OpenAPI answers 401. */
  apiKeys: z.array(apiKeySchema).default([]),
  /** Default per-key rate limit: `max` requests per `timeWindowMs`. Default 1000 per second. */
  rateLimit: z
    .object({ max: z.number().int().positive().default(1000), timeWindowMs: z.number().int().positive().default(1000) })
    .default({ max: 1000, timeWindowMs: 1000 }),
  /** CORS for browser ingest: allowed origins (`true` reflects any origin). Default: no CORS. */
  cors: z.object({ origins: z.union([z.literal(true), z.array(z.string().min(1))]) }).optional(),
  limits: z
    .object({
      /** Largest single event, in bytes of JSON. Default 32 KiB (Segment's limit). */
      maxEventBytes: z.number().int().positive().default(32 * 1024),
      /** Largest request body, in bytes (after gzip). Default 1 MiB. */
      maxBatchBytes: z.number().int().positive().default(1024 * 1024),
      /** Most events in one batch. Default 1000. */
      maxBatchItems: z.number().int().positive().default(1000),
    })
    .default({ maxEventBytes: 32 * 1024, maxBatchBytes: 1024 * 1024, maxBatchItems: 1000 }),
  dedupe: z
    .object({
      /** Event ids remembered (oldest forgotten first). Default 100 000. */
      size: z.number().int().positive().default(100_000),
      /** How long an id is remembered, in ms. Default 24 h. */
      ttlMs: z.number().int().positive().default(24 * 3600_000),
    })
    .default({ size: 100_000, ttlMs: 24 * 3600_000 }),
  segment: z
    .object({
      /** The event `source` of Segment messages. Default `web`. */
      source: z.string().regex(/^[a-z][a-z0-9._/-]{0,127}$/).default('web'),
      /** The identifier kind a Segment `userId` becomes. Default `customerId`. */
      userIdKind: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/).default('customerId'),
      /** Traits of `identify` also linked as identifiers (for identity resolution). Default email and phone. */
      identifyTraitsAsIdentifiers: z.array(z.string()).default(['email', 'phone']),
      /**
       * `track` event names to event types (`{ 'Order Completed': 'order.placed' }`) or mappers.
       * Unmapped names become the `segment.track` type. Built-in: the Segment e-commerce spec's
       * Product Viewed, Product Added, Order Completed.
       */
      track: z.record(z.string(), z.union([z.string(), z.custom<SegmentTrackMapper>((v) => typeof v === 'function', 'must be an event type or a function')])).default({}),
    })
    .default({ source: 'web', userIdKind: 'customerId', identifyTraitsAsIdentifiers: ['email', 'phone'], track: {} }),
  /** Who may scrape `/metrics`: an `admin` key (default) or anyone (`public`). */
  metrics: z.object({ access: z.enum(['admin', 'public']).default('admin') }).default({ access: 'admin' }),
  /** Mount the routes contributed by channel and connector packages (`Tokens.HttpRoute`). Default true. */
  mountRoutes: z.boolean().default(true),
})

/** Options as given (defaults optional). */
export type ServerOptions = z.input<typeof ServerOptionsSchema>

/** Options after validation, defaults filled in. */
export type ResolvedServerOptions = z.output<typeof ServerOptionsSchema>
