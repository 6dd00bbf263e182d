import { ValidationError } from '@omotenashi/core'
import type { Redis } from 'ioredis'
import * as z from 'zod'

const isRedis = (value: unknown): value is Redis =>
  typeof value === 'object' && value !== null && typeof (value as Redis).evalsha === 'function' && typeof (value as Redis).multi === 'function'

/** Which ports a `redisStore()` binds (all by default). */
export const RedisPortsSchema = z.object({
  scheduler: z.boolean().optional(),
  decisionLog: z.boolean().optional(),
  idempotencyLedger: z.boolean().optional(),
  inbox: z.boolean().optional(),
  deadLetters: z.boolean().optional(),
  profiles: z.boolean().optional(),
  /** The decisioning stage's contact history (needs `@omotenashi/decisioning` in the hub). */
  contactHistory: z.boolean().optional(),
})

/** The options of {@link redisStore}, validated. */
export const RedisStoreOptionsSchema = z
  .object({
    /** A ready-made ioredis client (yours: the store never closes it). */
    client: z.custom<Redis>(isRedis, 'must be an ioredis client').optional(),
    /** Used to open a client when none is given (closed on hub stop), e.g. `redis://127.0.0.1:6379/0`. */
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    /** Prefix of every key. Default `omo:`. */
    prefix: z.string().min(1).max(100).regex(/^[^\s]+$/, 'must not contain spaces').optional(),
    /** Which ports to bind. Default: all. */
    ports: RedisPortsSchema.optional(),
    /** Durable scheduler tuning. */
    scheduler: z
      .object({
        pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
        leaseMs: z.number().int().min(100).max(86_400_000).optional(),
        retryMs: z.number().int().min(0).max(86_400_000).optional(),
        batchSize: z.number().int().min(1).max(10_000).optional(),
        workerId: z.string().min(1).max(200).optional(),
      })
      .optional(),
    /** How long idempotency keys are remembered (ms). Default 30 days. */
    ledgerTtlMs: z.number().int().min(1_000).optional(),
    /** Profile store tuning. */
    profiles: z
      .object({
        /** Profiles read and written per script call by `applyBatch`. Default 500. */
        batchSize: z.number().int().min(1).max(10_000).optional(),
        /** Profiles cached in process, checked against the stored write stamp on every use. 0 = off. Default 10 000. */
        cacheSize: z.number().int().min(0).max(10_000_000).optional(),
        /** Attempts before a contended write gives up with a conflict error. Default 200. */
        maxAttempts: z.number().int().min(1).max(100_000).optional(),
      })
      .optional(),
    /** Contact history: contacts kept per customer (the oldest go first). Default 1000. */
    contacts: z.object({ perCustomer: z.number().int().min(1).max(100_000).optional() }).optional(),
    /** Decision log caps. */
    decisionLog: z
      .object({
        perCustomer: z.number().int().min(1).max(100_000).optional(),
        recent: z.number().int().min(1).max(1_000_000).optional(),
      })
      .optional(),
  })
  .refine((o) => o.client !== undefined || o.url !== undefined, { message: 'give an ioredis client or a url', path: ['client'] })

/** What {@link redisStore} takes. */
export type RedisStoreOptions = z.input<typeof RedisStoreOptionsSchema>

/** Parses options, throwing a ValidationError that names each bad field. */
export function parseRedisStoreOptions(options: unknown): z.output<typeof RedisStoreOptionsSchema> {
  const result = RedisStoreOptionsSchema.safeParse(options)
  if (!result.success) throw ValidationError.fromZod('redisStore options', result.error)
  return result.data
}
