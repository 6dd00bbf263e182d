// Test support shared by this package's integration tests and the benchmark; not exported.
import { createHub, Tokens, type Decision, type Hub, type PullDecider, type PullRequest, type Stage } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { serveRoutes, type RouteServer } from './http/serve-routes.js'
import type { StaffChannelOptions } from './options.js'
import { staffChannel, StaffTokens } from './staff-module.js'
import type { StaffService } from './staff-service.js'

/** The device-token secret of the tests. */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop'
/** The API key the test server accepts for non-public routes. */
export const TEST_API_KEY = 'test-api-key'

/**
 * A stand-in for `@omotenashi/decisioning` (built concurrently): every check-in wins one
 * `vip-greet` action on the staff channel of the check-in's store, as the hub test does.
 */
export function checkInDecider(): ContainerModule {
  const stage: Stage = {
    run(ctx) {
      if (ctx.event.type !== 'store.checked_in' || ctx.customerId === undefined) return
      const customerId = ctx.customerId
      const decision: Decision = {
        id: `d-${ctx.event.id}`,
        at: ctx.event.time,
        customerId,
        eventId: ctx.event.id,
        trigger: ctx.event.type,
        candidates: [{ actionId: 'vip-greet', status: 'won', reasons: ['test: every check-in'] }],
        actions: [
          {
            actionId: 'vip-greet',
            channels: ['staff'],
            message: {
              actionId: 'vip-greet',
              decisionId: `d-${ctx.event.id}`,
              title: 'VIP checked in',
              text: 'Ask how the coat bought last week fits',
              ...(ctx.event.storeId === undefined ? {} : { storeId: ctx.event.storeId }),
              content: { staff: { avoid: 'Do not mention the coat sale', priority: 'high' } },
            },
            recipient: { customerId, identifiers: identifiers(ctx.event.identity) },
            idempotencyKey: `d-${ctx.event.id}`,
          },
        ],
      }
      ctx.decisions.push(decision)
    },
  }
  return new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(stage))
}

function identifiers(identity: Readonly<Record<string, string | undefined>>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [kind, value] of Object.entries(identity)) if (value !== undefined && kind !== 'customerId') out[kind] = [value]
  return out
}

/**
 * A stand-in for `@omotenashi/decisioning`'s pull decider (built concurrently): offers the
 * card loan to whoever calls, with a reason, finding the customer with the hub's resolver.
 */
export function loanDecider(asked: PullRequest[] = []): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(Tokens.PullDecider).toDynamicValue((ctx): PullDecider => {
      const resolver = ctx.get(Tokens.IdentityResolver)
      return {
        async decide(request) {
          asked.push(request)
          const customerId = (await resolver.resolve(request.identity, { create: false })) ?? 'unknown'
          const message = { actionId: 'offer-card-loan', text: 'Offer the card loan: they read its pages this week', content: { staff: { avoid: 'Do not push the premium card' } } }
          return {
            decision: { id: 'pull-1', at: '2026-03-01T10:00:00.000Z', customerId, trigger: `placement:${request.placement}`, placement: request.placement, candidates: [], actions: [] },
            actions: [{ actionId: 'offer-card-loan', score: 0.82, message, reasons: ['viewed /card-loan 1 time in 7 days'] }],
            profile: { tier: 'gold' },
          }
        },
      }
    })
  })
}

/** A running hub with the staff channel, served on 127.0.0.1. */
export interface StaffHub {
  readonly hub: Hub
  readonly staff: StaffService
  readonly server: RouteServer
  readonly url: string
  token(staffId: string, storeIds: readonly string[], ttlSeconds?: number): string
  stop(): Promise<void>
}

/** Starts a hub with `staffChannel` and the test decider, and serves its routes. */
export async function startStaffHub(options: { readonly staff?: Partial<StaffChannelOptions>; readonly modules?: readonly ContainerModule[] } = {}): Promise<StaffHub> {
  const hub = await createHub({
    modules: [checkInDecider(), staffChannel({ stores: ['shibuya', 'umeda'], secret: TEST_SECRET, ...options.staff }), ...(options.modules ?? [])],
  })
  await hub.start()
  const staff = hub.get(StaffTokens.Staff)
  const server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute), {
    authorize: (request) => request.headers['x-api-key'] === TEST_API_KEY,
  })
  return {
    hub,
    staff,
    server,
    url: server.url,
    token: (staffId, storeIds, ttlSeconds) => staff.issueToken({ staffId, storeIds, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) }),
    async stop() {
      await hub.stop()
      await server.close()
    },
  }
}
