import { Tokens } from '@omotenashi/core'
import { DecisioningTokens } from '@omotenashi/decisioning'
import { ProfileRules, ProfileTokens } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { RedisConnection } from './connection.js'
import { parseRedisStoreOptions, type RedisStoreOptions } from './options.js'
import { RedisContactHistory } from './redis-contact-history.js'
import { RedisDeadLetterStore } from './redis-dead-letter-store.js'
import { RedisDecisionLog } from './redis-decision-log.js'
import { RedisIdempotencyLedger } from './redis-idempotency-ledger.js'
import { RedisInboxStore } from './redis-inbox-store.js'
import { RedisProfileStore } from './redis-profile-store.js'
import { RedisScheduler } from './redis-scheduler.js'

/**
 * Puts the hub's durable state in Redis: the Scheduler, DecisionLog, IdempotencyLedger,
 * InboxStore, DeadLetterStore, the ProfileStore and the decisioning stage's ContactHistory
 * (choose with `ports`), every key under `prefix`. A client the store opened is closed at hub
 * stop; a client you passed is left open.
 *
 * @example
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL)
 * const hub = await createHub({ modules: [profiles(), redisStore({ client: redis, prefix: 'shop:' })] })
 * ```
 */
export function redisStore(options: RedisStoreOptions): ContainerModule {
  const o = parseRedisStoreOptions(options)
  const ports = o.ports ?? {}
  const on = (port: keyof typeof ports): boolean => ports[port] ?? true
  return new ContainerModule((m) => {
    const r = new RedisConnection({ client: o.client, url: o.url, prefix: o.prefix })
    m.bind(Tokens.Lifecycle).toConstantValue({ name: `redis:${r.prefix}`, init: () => r.init(), destroy: () => r.destroy() })
    if (on('scheduler')) m.bind(Tokens.Scheduler).toDynamicValue((ctx) => new RedisScheduler(r, ctx.get(Tokens.Clock), o.scheduler)).inSingletonScope()
    if (on('decisionLog')) m.bind(Tokens.DecisionLog).toConstantValue(new RedisDecisionLog(r, o.decisionLog))
    if (on('idempotencyLedger')) {
      m.bind(Tokens.IdempotencyLedger).toDynamicValue((ctx) => new RedisIdempotencyLedger(r, ctx.get(Tokens.Clock), o.ledgerTtlMs)).inSingletonScope()
    }
    if (on('inbox')) m.bind(Tokens.InboxStore).toConstantValue(new RedisInboxStore(r))
    if (on('deadLetters')) m.bind(Tokens.DeadLetterStore).toConstantValue(new RedisDeadLetterStore(r))
    if (on('contactHistory')) m.bind(DecisioningTokens.ContactHistory).toConstantValue(new RedisContactHistory(r, o.contacts))
    if (on('profiles')) {
      // The hub's rules (bound by profiles()), so resolution here matches the pipeline's.
      m.bind(ProfileTokens.ProfileStore)
        .toDynamicValue(
          (ctx) =>
            new RedisProfileStore(r, {
              rules: ctx.get(ProfileTokens.Rules, { optional: true }) ?? new ProfileRules(),
              clock: ctx.get(Tokens.Clock),
              batchSize: o.profiles?.batchSize,
              cacheSize: o.profiles?.cacheSize,
              maxAttempts: o.profiles?.maxAttempts,
            }),
        )
        .inSingletonScope()
    }
  })
}
