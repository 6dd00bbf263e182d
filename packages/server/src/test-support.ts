// Test helpers for this package's own tests (not exported).
import { randomUUID } from 'node:crypto'
import { createHub, Tokens, type Hub, type HubOptions, type OmoEvent, type PullDecision, type PullRequest } from '@omotenashi/core'
import { profiles, ProfileTokens, type ProfileStore } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { afterEach, beforeEach } from 'vitest'
import { startTestServer, type TestServer } from './testing/index.js'

/** A decider for tests: offers `welcome` to everyone and records the decision. */
export function testDecider(hub: () => Hub) {
  return {
    async decide(request: PullRequest): Promise<PullDecision> {
      const customerId = request.identity['customerId'] ?? Object.values(request.identity)[0] ?? 'unknown'
      const decision = {
        id: randomUUID(),
        at: new Date(hub().clock.now()).toISOString(),
        customerId,
        trigger: `placement:${request.placement}`,
        placement: request.placement,
        candidates: [{ actionId: 'welcome', status: 'won' as const, score: 1, reasons: ['test decider'] }],
        actions: [],
      }
      await hub().get(Tokens.DecisionLog).record(decision)
      return { decision, actions: [{ actionId: 'welcome', score: 1, message: { actionId: 'welcome', title: 'Welcome' }, reasons: ['test decider'] }] }
    },
  }
}

/** Switch for the exploding decide stage: events with `data.explode: true` fail while it is on. */
export interface Exploder {
  enabled: boolean
}

/**
 * A hub with @omotenashi/profile's memory store, a test pull decider, and a decide stage that
 * throws on `data.explode: true` (to make dead letters on purpose).
 */
export async function testHub(options: HubOptions = {}): Promise<{ hub: Hub; store: ProfileStore; exploder: Exploder }> {
  const ref: { hub?: Hub } = {}
  const exploder: Exploder = { enabled: true }
  const module = new ContainerModule((m) => {
    m.bind(Tokens.PullDecider).toConstantValue(testDecider(() => ref.hub!))
    m.bind(Tokens.DecideStage).toConstantValue({
      run(context) {
        if (exploder.enabled && context.event.data['explode'] === true) throw new Error('exploded on purpose')
      },
    })
  })
  const hub = await createHub({ ...options, modules: [profiles(), module, ...(options.modules ?? [])] })
  ref.hub = hub
  await hub.start()
  return { hub, store: hub.get(ProfileTokens.ProfileStore), exploder }
}

/** Counts events the hub finished processing, by id. */
export function processedIds(hub: Hub): string[] {
  const ids: string[] = []
  hub.hooks.on('event.processed', (context) => ids.push(context.event.id))
  return ids
}

/** What {@link serverPerTest} gives each test: a fresh hub, its store, a live server, and the events it accepted. */
export interface ServerTestContext {
  hub: Hub
  store: ProfileStore
  server: TestServer
  accepted: OmoEvent[]
}

/** A fresh {@link testHub} behind a live test server for every test of the file (closed after each). */
export function serverPerTest(): ServerTestContext {
  const context = {} as ServerTestContext
  beforeEach(async () => {
    const { hub, store } = await testHub()
    context.hub = hub
    context.store = store
    context.accepted = []
    hub.hooks.on('event.accepted', (e) => context.accepted.push(e))
    context.server = await startTestServer(hub)
  })
  afterEach(async () => {
    await context.server.close()
    await context.hub.stop()
  })
  return context
}
