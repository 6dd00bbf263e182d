import type { Clock, Connector, ConnectorHealth, Emit, EventInput, Identity } from '@omotenashi/core'
import { PLATFORM_OF, parsePushToken } from './push-token.js'
import type { PushTokenStore } from './push-token-store.js'

/** What {@link PushRegistry.register} and {@link PushRegistry.unregister} take. */
export interface DeviceRegistration {
  /** The customer id, or… */
  readonly customerId?: string
  /** …identifiers the hub resolves to the customer (`loyaltyId`, `anonymousId`…). */
  readonly identity?: Identity
  /** The token string: `apns:<hex>`, `fcm:<token>` or `webpush:…` (see `parsePushToken`). */
  readonly token: string
}

/** The result of a registration change. */
export type RegistrationResult = { readonly ok: true; readonly eventId?: string } | { readonly ok: false; readonly field: string; readonly reason: string }

/**
 * Device registration and revocation. Register a device when the app gets a token; unregister
 * it on log-out. It is the package's {@link Connector}: the hub starts it with `emit`, and it
 * publishes `push.token_registered` (the profile then lists the token among the customer's
 * `deviceToken` identifiers) and `push.token_revoked` (the profile drops it).
 */
export class PushRegistry implements Connector {
  readonly id = 'push-tokens'
  readonly #store: PushTokenStore
  readonly #clock: Clock
  #emit: Emit | undefined
  readonly #counters = { registered: 0, unregistered: 0, revoked: 0 }

  constructor(store: PushTokenStore, clock: Clock) {
    this.#store = store
    this.#clock = clock
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
  }

  async stop(): Promise<void> {
    this.#emit = undefined
  }

  async health(): Promise<ConnectorHealth> {
    return { status: this.#emit ? 'up' : 'down', counters: { ...this.#counters } }
  }

  /** Registers a device for a customer and publishes `push.token_registered`. */
  async register(registration: DeviceRegistration): Promise<RegistrationResult> {
    const checked = this.#check(registration)
    if (!checked.ok) return checked
    const { identity, customerKey, token, platform } = checked
    await this.#store.register({ customerId: customerKey, token, platform, registeredAt: this.#now() })
    this.#counters.registered++
    // The token goes in `data`, not in the identity: the profile adds it to the customer's
    // deviceToken identifiers itself, and a token in the identity could link two customers who
    // share a device.
    return this.#publish({ type: 'push.token_registered', source: 'push', identity: identity as Identity, data: { token, platform } })
  }

  /** Unregisters a device (log-out, permission withdrawn) and publishes `push.token_revoked`. */
  async unregister(registration: DeviceRegistration): Promise<RegistrationResult> {
    const checked = this.#check(registration)
    if (!checked.ok) return checked
    await this.#store.revoke(checked.token, 'unregistered', this.#now())
    this.#counters.unregistered++
    return this.#publish({ type: 'push.token_revoked', source: 'push', identity: checked.identity as Identity, data: { token: checked.token, reason: 'unregistered' } })
  }

  /** Counts revocations the channel found (the hub publishes its events). */
  noteRevoked(): void {
    this.#counters.revoked++
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString()
  }

  #check(
    r: DeviceRegistration,
  ): { ok: true; identity: Record<string, string>; customerKey: string; token: string; platform: 'web' | 'ios' | 'android' } | { ok: false; field: string; reason: string } {
    const parsed = parsePushToken(r.token ?? '')
    if (!parsed.ok) return { ok: false, field: 'token', reason: parsed.reason }
    const identity: Record<string, string> = {}
    for (const [k, v] of Object.entries(r.identity ?? {})) if (typeof v === 'string') identity[k] = v
    if (r.customerId !== undefined) identity['customerId'] = r.customerId
    const customerKey = identity['customerId'] ?? Object.entries(identity).map(([k, v]) => `${k}:${v}`).sort()[0]
    if (customerKey === undefined) return { ok: false, field: 'customerId', reason: 'give customerId or identity' }
    return { ok: true, identity, customerKey, token: parsed.target.raw, platform: PLATFORM_OF[parsed.target.kind] }
  }

  async #publish(event: EventInput): Promise<RegistrationResult> {
    if (!this.#emit) return { ok: false, field: '', reason: 'the hub has not started the push token connector' }
    const result = await this.#emit(event)
    if (!result.ok) return { ok: false, field: '', reason: result.error.message }
    return { ok: true, eventId: result.id }
  }
}
