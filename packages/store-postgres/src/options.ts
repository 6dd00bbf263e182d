import { ValidationError } from '@omotenashi/core'
import type { Pool } from 'pg'
import * as z from 'zod'

const isPool = (value: unknown): value is Pool =>
  typeof value === 'object' && value !== null && typeof (value as Pool).query === 'function' && typeof (value as Pool).connect === 'function'

/** Which ports a `postgresStore()` binds (all by default). */
export const PostgresPortsSchema = z.object({
  scheduler: z.boolean().optional(),
  decisionLog: z.boolean().optional(),
  idempotencyLedger: z.boolean().optional(),
  inbox: z.boolean().optional(),
  deadLetters: z.boolean().optional(),
  profiles: z.boolean().optional(),
  /** The decisioning stage's contact history (needs `@omotenashi/decisioning` in the hub). */
  contactHistory: z.boolean().optional(),
})

/** Durable scheduler tuning. */
export const SchedulerTuningSchema = z.object({
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
  leaseMs: z.number().int().min(100).max(86_400_000).optional(),
  retryMs: z.number().int().min(0).max(86_400_000).optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  workerId: z.string().min(1).max(200).optional(),
})

/** The options of {@link postgresStore}, validated. */
export const PostgresStoreOptionsSchema = z
  .object({
    /** A ready-made pg Pool (yours: the store never closes it). */
    pool: z.custom<Pool>(isPool, 'must be a pg Pool').optional(),
    /** Used to open a pool when none is given (closed on hub stop). */
    connectionString: z.string().min(1).optional(),
    /** Size of the pool the store opens. Default 10. */
    poolSize: z.number().int().min(1).max(1000).optional(),
    /** Schema holding the tables. Default `omotenashi`. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _ (at most 63), not starting with a digit')
      .refine((s) => !s.startsWith('pg_'), 'must not start with pg_ (reserved by PostgreSQL)')
      .optional(),
    /** Apply the shipped migrations at init. Default true. */
    migrate: z.boolean().optional(),
    /** Which ports to bind. Default: all. */
    ports: PostgresPortsSchema.optional(),
    /** Durable scheduler tuning. */
    scheduler: SchedulerTuningSchema.optional(),
    /** Contact history: contacts kept per customer (the oldest go first). Default 1000. */
    contacts: z.object({ perCustomer: z.number().int().min(1).max(100_000).optional() }).optional(),
    /** Profile store tuning. */
    profiles: z
      .object({
        /** Events per transaction in `apply` (concurrent calls are batched) and `applyBatch`. Default 500. */
        batchSize: z.number().int().min(1).max(10_000).optional(),
        /** Profiles cached in process, checked against the row version on every use. 0 = off. Default 10 000. */
        cacheSize: z.number().int().min(0).max(10_000_000).optional(),
      })
      .optional(),
  })
  .refine((o) => o.pool !== undefined || o.connectionString !== undefined, {
    message: 'give a pg Pool or a connectionString',
    path: ['pool'],
  })

/** What {@link postgresStore} takes. */
export type PostgresStoreOptions = z.input<typeof PostgresStoreOptionsSchema>

/** Parses options, throwing a ValidationError that names each bad field. */
export function parsePostgresStoreOptions(options: unknown): z.output<typeof PostgresStoreOptionsSchema> {
  const result = PostgresStoreOptionsSchema.safeParse(options)
  if (!result.success) throw ValidationError.fromZod('postgresStore options', result.error)
  return result.data
}
