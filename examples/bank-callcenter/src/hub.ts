import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { staffChannel } from '@omotenashi/channel-staff'
import { createHub, VirtualClock, type Decision, type Hub } from '@omotenashi/core'
import { decisioning, DecisioningTokens, loadRules, type ResponseModel } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import { rememberOfferResponses } from './outcomes.js'

/** Where the example starts: before the customers are set up. */
export const START = '2026-06-01T00:00:00Z'

/** Options of {@link createExampleHub}. */
export interface BankHubOptions {
  /** The clock; default a VirtualClock at {@link START}. */
  readonly clock?: VirtualClock
  /** Called with every push decision once recorded. */
  readonly onDecision?: (decision: Decision) => void
}

/** The call-centre hub, its HTTP API, and the key the agent desktop uses. */
export interface BankHub {
  readonly hub: Hub
  readonly clock: VirtualClock
  /** The Omotenashi server (Fastify) with the call-centre card routes of `@omotenashi/channel-staff`. */
  readonly server: Awaited<ReturnType<typeof omotenashiServer>>
  /** An API key with the `decide` scope only, as the agent desktop would hold (generated per run). */
  readonly agentKey: string
  /** The per-action response model the ranking learns from. */
  readonly model: ResponseModel
  /** Stops the server and the hub. */
  stop(): Promise<void>
}

/**
 * Assembles the bank's call-centre hub on embedded defaults: memory profiles (identified by the
 * bank customer number and phone), the rules in `rules/`, the staff package's call-centre card
 * (`GET /staff/agent/card`, `POST /staff/agent/outcome`) served by `@omotenashi/server` behind a
 * `decide`-scoped API key. Started, on a virtual clock.
 */
export async function createExampleHub(options: BankHubOptions = {}): Promise<BankHub> {
  const clock = options.clock ?? new VirtualClock(START)
  const rules = await loadRules('rules/*.yaml', { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  const hub = await createHub({
    clock,
    modules: [
      profiles(),
      decisioning({
        rules,
        // `mean` ranks by the observed acceptance rate, so the story is the same on every run;
        // production keeps the default Thompson sampling (it keeps exploring).
        learning: { propensity: 'mean', successOn: ['offer.responded'] },
        ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      }),
      // The call-centre card is the staff package's; its store feeds are not used here.
      staffChannel({ stores: ['callcenter'], secret: randomBytes(32).toString('hex') }),
    ],
  })
  hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
  })
  rememberOfferResponses(hub)
  await hub.start()
  const agentKey = randomBytes(24).toString('base64url')
  const server = await omotenashiServer(hub, {
    logger: false,
    apiKeys: [{ name: 'agent-desktop', sha256: hashApiKey(agentKey), scopes: ['decide'] }],
  })
  await server.ready()
  return {
    hub,
    clock,
    server,
    agentKey,
    model: hub.get(DecisioningTokens.ResponseModel),
    stop: async () => {
      await server.close()
      await hub.stop()
    },
  }
}
