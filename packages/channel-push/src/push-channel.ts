import { createHash } from 'node:crypto'
import type { Channel, ChannelCapabilities, Clock, DeliveryResult, EventInput, IdempotencyLedger, OutboundMessage, Recipient, SendOptions } from '@omotenashi/core'
import { toNotification, type ProviderOutcome, type PushNotification, type PushProvider } from './push-content.js'
import { parsePushToken, type PushTarget, type WebPushSubscription } from './push-token.js'
import type { PushTokenStore } from './push-token-store.js'

/** Prefix of this channel's keys in the send ledger (the hub's dispatcher uses the bare key). */
export const PUSH_LEDGER_PREFIX = 'push-ledger:'

/** The providers the channel can use; a token whose provider is absent is skipped. */
export interface PushProviders {
  readonly webpush?: PushProvider<WebPushSubscription>
  readonly fcm?: PushProvider<string>
  readonly apns?: PushProvider<string>
}

/** Everything {@link PushChannel} is built from. */
export interface PushChannelDeps {
  readonly id: string
  readonly providers: PushProviders
  readonly tokens: PushTokenStore
  readonly ledger: IdempotencyLedger
  readonly clock: Clock
  /** Defaults for messages that do not say. */
  readonly defaults: { readonly ttlSeconds: number; readonly urgency: PushNotification['urgency'] }
  /** Most devices one send reaches (the most recent first). Default 10. */
  readonly maxDevices?: number
  /** Called for each token found dead. */
  readonly onRevoked?: (token: string) => void
}

type DeviceOutcome = ProviderOutcome | { readonly status: 'duplicate'; readonly id?: string }

/**
 * The push channel: sends one notification to each of the recipient's devices
 * (`identifiers.deviceToken`, the kind in the token's prefix) through Web Push, FCM or APNs.
 * Each device has its own ledger entry, so a retry only reaches devices not yet notified. A dead
 * token (410, UNREGISTERED, BadDeviceToken) is marked revoked, reported as `push.token_revoked`,
 * and skipped from then on. `sent` when at least one device took it; `failed` permanently when
 * no device can (the hub then falls back, e.g. to the inbox); transient otherwise.
 */
export class PushChannel implements Channel {
  readonly id: string
  readonly capabilities: ChannelCapabilities = { addressKind: 'deviceToken', rich: false }
  readonly #deps: PushChannelDeps

  constructor(deps: PushChannelDeps) {
    this.id = deps.id
    this.#deps = deps
  }

  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    const built = toNotification(message, this.#deps.defaults)
    if (!built.ok) return { status: 'failed', permanent: true, reason: built.reason }
    const skipped: string[] = []
    const targets: PushTarget[] = []
    const seen = new Set<string>()
    for (const value of recipient.identifiers['deviceToken'] ?? []) {
      const parsed = parsePushToken(value)
      if (!parsed.ok) {
        skipped.push('unreadable token')
        continue
      }
      const target = parsed.target
      if (seen.has(target.raw)) continue
      seen.add(target.raw)
      if (!this.#deps.providers[target.kind]) skipped.push(`${target.kind} not configured`)
      else if (await this.#deps.tokens.isRevoked(target.raw)) skipped.push('revoked')
      else targets.push(target)
    }
    const devices = targets.slice(0, this.#deps.maxDevices ?? 10)
    if (devices.length === 0) {
      return { status: 'failed', permanent: true, reason: skipped.length === 0 ? 'the recipient has no push token' : `no usable push token (${summarise(skipped)})` }
    }
    const outcomes = await Promise.all(devices.map((target) => this.#sendOne(target, built.notification, options.idempotencyKey)))

    const events: EventInput[] = []
    const at = new Date(this.#deps.clock.now()).toISOString()
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status !== 'revoked') continue
      const token = devices[i]!.raw
      await this.#deps.tokens.revoke(token, outcome.reason, at)
      this.#deps.onRevoked?.(token)
      events.push({ type: 'push.token_revoked', source: 'push', identity: { customerId: recipient.customerId }, data: { token, reason: outcome.reason } })
    }
    const withEvents = (result: DeliveryResult): DeliveryResult => (events.length === 0 ? result : { ...result, events })
    const sent = outcomes.filter((o) => o.status === 'sent')
    const duplicates = outcomes.filter((o) => o.status === 'duplicate')
    if (sent.length > 0 || duplicates.length > 0) {
      const first = [...sent, ...duplicates].find((o) => o.id !== undefined)
      return withEvents({ status: sent.length > 0 ? 'sent' : 'duplicate', ...(first?.id === undefined ? {} : { providerMessageId: first.id }) })
    }
    const reasons = outcomes.map((o) => (o.status === 'revoked' || o.status === 'failed' ? o.reason : o.status))
    const transient = outcomes.some((o) => o.status === 'failed' && !o.permanent)
    return withEvents({ status: 'failed', permanent: !transient, reason: summarise(reasons) })
  }

  async destroy(): Promise<void> {
    const { webpush, fcm, apns } = this.#deps.providers
    await Promise.all([webpush?.close?.(), fcm?.close?.(), apns?.close?.()])
  }

  async #sendOne(target: PushTarget, notification: PushNotification, idempotencyKey: string): Promise<DeviceOutcome> {
    const { ledger, providers } = this.#deps
    const deviceKey = `${idempotencyKey}:${createHash('sha256').update(target.raw).digest('base64url').slice(0, 22)}`
    const key = `${PUSH_LEDGER_PREFIX}${deviceKey}`
    if (!(await ledger.claim(key, 600_000))) {
      const previous = await ledger.get(key)
      if (previous?.state === 'done') {
        const r = previous.result
        if (r.status === 'failed') return { status: 'failed', permanent: true, reason: r.reason ?? 'failed before' }
        return { status: 'duplicate', ...(r.providerMessageId === undefined ? {} : { id: r.providerMessageId }) }
      }
      return { status: 'failed', permanent: false, reason: 'this push is being sent by another worker' }
    }
    let outcome: ProviderOutcome
    try {
      if (target.kind === 'webpush') outcome = await providers.webpush!.send(target.subscription, notification, deviceKey)
      else if (target.kind === 'fcm') outcome = await providers.fcm!.send(target.token, notification, deviceKey)
      else outcome = await providers.apns!.send(target.token, notification, deviceKey)
    } catch (error) {
      outcome = { status: 'failed', permanent: false, reason: `push provider threw: ${(error as Error).message}` }
    }
    if (outcome.status === 'failed' && !outcome.permanent) await ledger.release(key)
    else if (outcome.status === 'sent') await ledger.complete(key, { status: 'sent', ...(outcome.id === undefined ? {} : { providerMessageId: outcome.id }) })
    else await ledger.complete(key, { status: 'failed', permanent: true, reason: outcome.reason })
    return outcome
  }
}

function summarise(reasons: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].map(([r, n]) => (n > 1 ? `${r} ×${n}` : r)).join('; ')
}
