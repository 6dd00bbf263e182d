import type { Clock, HttpRoute, Identity, IdentityResolver, PullDecider } from '@omotenashi/core'
import type { ProfileStore } from '@omotenashi/profile'
import { StaffAcknowledgements } from './acknowledgements.js'
import { agentCard, type AgentCard, type AgentCardDeps } from './agent-card.js'
import type { CardOptions } from './card.js'
import { issueStaffToken, type IssueStaffTokenOptions } from './device-token.js'
import { staffRoutes } from './http/staff-routes.js'
import { LiveFeed } from './live-feed.js'
import type { ResolvedStaffOptions } from './options.js'
import { StaffChannel } from './staff-channel.js'
import { StoreFeed } from './store-feed.js'

/** What the service takes from the hub. */
export interface StaffServiceDeps {
  /** The hub's clock. */
  readonly clock: Clock
  /** Identifiers to customers (call-centre lookups). */
  readonly resolver: IdentityResolver
  /** Profiles, when `@omotenashi/profile` is installed. */
  readonly profiles?: Pick<ProfileStore, 'get'> | undefined
  /** Pull decisions, when `@omotenashi/decisioning` is installed. */
  readonly decider?: PullDecider | undefined
}

/**
 * Everything `staffChannel()` puts in a hub, in one place: the per-store feed, the channel,
 * the acknowledgement connector, the live WebSocket/SSE server and the routes. Get it with
 * `hub.get(StaffTokens.Staff)` to issue device tokens or read the feed.
 */
export class StaffService {
  /** Per-store card buffers. */
  readonly feed: StoreFeed
  /** The `staff` channel. */
  readonly channel: StaffChannel
  /** The connector turning acknowledgements into `staff.acknowledged` events. */
  readonly acknowledgements: StaffAcknowledgements
  /** The WebSocket / SSE server. */
  readonly live: LiveFeed
  /** The HTTP routes (mounted by `@omotenashi/server` or {@link serveRoutes}). */
  readonly routes: readonly HttpRoute[]
  /** Name for lifecycle and erasure receipts. */
  readonly name = 'channel-staff'
  readonly #options: ResolvedStaffOptions
  readonly #deps: StaffServiceDeps

  constructor(options: ResolvedStaffOptions, deps: StaffServiceDeps) {
    this.#options = options
    this.#deps = deps
    const now = (): number => deps.clock.now()
    this.feed = new StoreFeed({ stores: options.stores, bufferSize: options.bufferSize, maxAgeMs: options.maxCardAgeMs, now })
    this.channel = new StaffChannel({ feed: this.feed, profiles: deps.profiles, clock: deps.clock, card: cardOptions(options), buildCard: options.buildCard })
    this.acknowledgements = new StaffAcknowledgements(this.feed, deps.clock)
    this.live = new LiveFeed({
      feed: this.feed,
      acknowledgements: this.acknowledgements,
      secret: options.secret,
      clock: deps.clock,
      heartbeatMs: options.heartbeatMs,
      maxBacklogBytes: options.maxBacklogBytes,
    })
    this.routes = staffRoutes({
      basePath: options.basePath,
      live: this.live,
      acknowledgements: this.acknowledgements,
      secret: options.secret,
      clock: deps.clock,
      console: options.console,
      agent: () => this.#agentDeps(),
    })
  }

  /** Issues a signed device token for a staff member (the hub's clock sets its issue time). */
  issueToken(options: Omit<IssueStaffTokenOptions, 'now'>): string {
    return issueStaffToken({ ...options, now: this.#deps.clock.now() }, this.#options.secret)
  }

  /** The call-centre card for an identifier (what `GET {base}/agent/card` answers). */
  agentCard(identity: Identity): Promise<AgentCard | undefined> {
    return agentCard(this.#agentDeps(), identity)
  }

  /** Forgets a customer's buffered cards (erasure). */
  eraseCustomer(customerId: string): Promise<number> {
    return this.feed.eraseCustomer(customerId)
  }

  /** Disconnects every device (hub stop). */
  async destroy(): Promise<void> {
    await this.live.close()
  }

  #agentDeps(): AgentCardDeps {
    return {
      resolver: this.#deps.resolver,
      profiles: this.#deps.profiles,
      decider: this.#deps.decider,
      placement: this.#options.agentPlacement,
      clock: this.#deps.clock,
      card: cardOptions(this.#options),
      buildCard: this.#options.buildCard,
    }
  }
}

function cardOptions(o: ResolvedStaffOptions): CardOptions {
  const c = o.card
  return {
    ...(c.historyLimit === undefined ? {} : { historyLimit: c.historyLimit }),
    ...(c.triedOnLimit === undefined ? {} : { triedOnLimit: c.triedOnLimit }),
    ...(c.answersLimit === undefined ? {} : { answersLimit: c.answersLimit }),
    ...(c.nameTraits === undefined ? {} : { nameTraits: c.nameTraits }),
    ...(c.tierTrait === undefined ? {} : { tierTrait: c.tierTrait }),
  }
}
