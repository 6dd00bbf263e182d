// Test helpers for this package's own tests (not exported).
import { randomUUID } from 'node:crypto'
import { createHub, registerErasable, Tokens, identifiersOf, type Hub, type HubOptions, type Identity, type OmoEvent, type PullDecision, type PullRequest } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { ProfileStoreToken, type ProfileReader } from './profile-port.js'

interface TinyProfile {
  id: string
  identifiers: Record<string, string[]>
  traits: Record<string, unknown>
  events: string[]
}

/**
 * A small in-test profile store standing in for @omotenashi/profile's memory store (which is
 * being built at the same time): one profile per identity key, traits from
 * `profile.traits_updated`, and the ids of applied events.
 */
export class TinyProfileStore implements ProfileReader {
  readonly profiles = new Map<string, TinyProfile>()
  readonly #byIdentifier = new Map<string, string>()

  async get(customerId: string) {
    return this.profiles.get(customerId) as Readonly<Record<string, unknown>> | undefined
  }
  async export(customerId: string) {
    const profile = this.profiles.get(customerId)
    return profile ? { profile, exportedAt: new Date().toISOString() } : undefined
  }
  async resolve(identity: Identity, options: { create?: boolean } = {}) {
    if (identity.customerId !== undefined) return { profileId: identity.customerId }
    for (const [kind, value] of identifiersOf(identity)) {
      const id = this.#byIdentifier.get(`${kind}:${value}`)
      if (id !== undefined) return { profileId: id }
    }
    if (options.create === false) return { profileId: undefined }
    return { profileId: randomUUID() }
  }
  /** Events with `data.explode: true` fail while this is set (to make dead letters). */
  failing = true

  apply(customerId: string, event: OmoEvent): void {
    if (this.failing && event.data['explode'] === true) throw new Error('exploded on purpose')
    let profile = this.profiles.get(customerId)
    if (!profile) this.profiles.set(customerId, (profile = { id: customerId, identifiers: {}, traits: {}, events: [] }))
    for (const [kind, value] of identifiersOf(event.identity)) {
      const list = (profile.identifiers[kind] ??= [])
      if (!list.includes(value)) list.push(value)
      this.#byIdentifier.set(`${kind}:${value}`, customerId)
    }
    if (event.type === 'profile.traits_updated') Object.assign(profile.traits, event.data['traits'])
    profile.events.push(event.id)
  }
  async eraseCustomer(customerId: string): Promise<number> {
    const profile = this.profiles.get(customerId)
    if (!profile) return 0
    for (const [k, v] of this.#byIdentifier) if (v === customerId) this.#byIdentifier.delete(k)
    this.profiles.delete(customerId)
    return 1
  }
}

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
      hub().hooks.emit('decision.made', decision)
      return { decision, actions: [{ actionId: 'welcome', score: 1, message: { actionId: 'welcome', title: 'Welcome' }, reasons: ['test decider'] }] }
    },
  }
}

/** A hub with the tiny profile store (resolver, profile stage, erasure) and the test decider. */
export async function testHub(options: HubOptions = {}): Promise<{ hub: Hub; profiles: TinyProfileStore }> {
  const profiles = new TinyProfileStore()
  const ref: { hub?: Hub } = {}
  const module = new ContainerModule((m) => {
    m.bind(ProfileStoreToken).toConstantValue(profiles)
    m.bind(Tokens.IdentityResolver).toConstantValue({ resolve: async (identity, o) => (await profiles.resolve(identity, o ?? {})).profileId })
    m.bind(Tokens.IdentifyStage).toConstantValue({
      run: async (context) => {
        context.customerId = (await profiles.resolve(context.event.identity)).profileId
      },
    })
    m.bind(Tokens.ProfileStage).toConstantValue({
      run: (context) => {
        if (context.customerId !== undefined) profiles.apply(context.customerId, context.event)
      },
    })
    m.bind(Tokens.PullDecider).toConstantValue(testDecider(() => ref.hub!))
    registerErasable(m, 'profiles', ProfileStoreToken as never)
  })
  const hub = await createHub({ ...options, modules: [module, ...(options.modules ?? [])] })
  ref.hub = hub
  await hub.start()
  return { hub, profiles }
}

/** Counts events the hub finished processing, by id. */
export function processedIds(hub: Hub): string[] {
  const ids: string[] = []
  hub.hooks.on('event.processed', (context) => ids.push(context.event.id))
  return ids
}
