import { Tokens } from '@omotenashi/core'
import { DecisioningTokens } from '@omotenashi/decisioning'
import { ProfileRules, ProfileTokens } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { PgDatabase } from './database.js'
import { parsePostgresStoreOptions, type PostgresStoreOptions } from './options.js'
import { PgContactHistory } from './pg-contact-history.js'
import { PgDeadLetterStore } from './pg-dead-letter-store.js'
import { PgDecisionLog } from './pg-decision-log.js'
import { PgIdempotencyLedger } from './pg-idempotency-ledger.js'
import { PgInboxStore } from './pg-inbox-store.js'
import { PgProfileStore } from './pg-profile-store.js'
import { PgScheduler } from './pg-scheduler.js'

/**
 * Puts the hub's durable state in PostgreSQL: the Scheduler, DecisionLog, IdempotencyLedger,
 * InboxStore, DeadLetterStore, the ProfileStore and the decisioning stage's ContactHistory
 * (choose with `ports`). Migrations run at hub start; a pool the store opened is closed at hub
 * stop, a pool you passed is left open.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const hub = await createHub({ modules: [profiles(), postgresStore({ pool })] })
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): ContainerModule {
  const o = parsePostgresStoreOptions(options)
  const ports = o.ports ?? {}
  const on = (port: keyof typeof ports): boolean => ports[port] ?? true
  return new ContainerModule((m) => {
    const db = new PgDatabase({ pool: o.pool, connectionString: o.connectionString, poolSize: o.poolSize, schema: o.schema, migrate: o.migrate })
    m.bind(Tokens.Lifecycle).toConstantValue({ name: `postgres:${db.schema}`, init: () => db.init(), destroy: () => db.destroy() })
    if (on('scheduler')) m.bind(Tokens.Scheduler).toDynamicValue((ctx) => new PgScheduler(db, ctx.get(Tokens.Clock), o.scheduler)).inSingletonScope()
    if (on('decisionLog')) m.bind(Tokens.DecisionLog).toConstantValue(new PgDecisionLog(db))
    if (on('idempotencyLedger')) {
      m.bind(Tokens.IdempotencyLedger).toDynamicValue((ctx) => new PgIdempotencyLedger(db, ctx.get(Tokens.Clock))).inSingletonScope()
    }
    if (on('inbox')) m.bind(Tokens.InboxStore).toConstantValue(new PgInboxStore(db))
    if (on('deadLetters')) m.bind(Tokens.DeadLetterStore).toConstantValue(new PgDeadLetterStore(db))
    if (on('contactHistory')) m.bind(DecisioningTokens.ContactHistory).toConstantValue(new PgContactHistory(db, o.contacts))
    if (on('profiles')) {
      // The hub's rules (bound by profiles()), so resolution here matches the pipeline's.
      m.bind(ProfileTokens.ProfileStore)
        .toDynamicValue(
          (ctx) =>
            new PgProfileStore(db, {
              rules: ctx.get(ProfileTokens.Rules, { optional: true }) ?? new ProfileRules(),
              clock: ctx.get(Tokens.Clock),
              batchSize: o.profiles?.batchSize,
              cacheSize: o.profiles?.cacheSize,
            }),
        )
        .inSingletonScope()
    }
  })
}
