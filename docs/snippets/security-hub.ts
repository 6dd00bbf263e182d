// The security guide: API keys, logs, erasure, export, consent (docs/security.md quotes the regions).
import type { Writable } from 'node:stream'
import { inboxChannel } from '@omotenashi/channel-push'
import { createHub, RecordingChannel, recordingChannel, VirtualClock, type Hub } from '@omotenashi/core'
import { decisioning, parseRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'

const rules = parseRules(`
version: 1
actions:
  - { id: welcome, channels: [email, inbox], content: { default: { title: "Welcome to the shop" } } }
  - { id: receipt-survey, channels: [email], purpose: service, quietHours: ignore, content: { default: { title: "How was your visit?" } } }
rules:
  - { id: welcome, when: { event: store.checked_in }, do: { action: welcome } }
  - { id: ask-after-purchase, when: { event: pos.purchased }, wait: { for: 1d }, do: { action: receipt-survey } }
`)

/** A hub with email (recording) and the in-app inbox, on a virtual clock. */
export async function securityHub(): Promise<{ hub: Hub; email: RecordingChannel; clock: VirtualClock }> {
  const clock = new VirtualClock('2026-03-02T01:00:00Z')
  const email = new RecordingChannel({ id: 'email', capabilities: { addressKind: 'email' }, now: () => clock.now() })
  const hub = await createHub({ clock, modules: [profiles(), decisioning({ rules }), recordingChannel(email), inboxChannel()] })
  await hub.start()
  return { hub, email, clock }
}

/** The server with three keys, each allowed only what it needs; logs go to `stream`. */
export async function securedServer(hub: Hub, stream: Writable) {
  // #region api-keys
  const app = await omotenashiServer(hub, {
    apiKeys: [
      // Only the SHA-256 of each key is configured: a leaked config leaks no key.
      { name: 'web-tracker', sha256: hashApiKey(process.env.WEB_TRACKER_KEY!), scopes: ['ingest'] },
      { name: 'crm', sha256: hashApiKey(process.env.CRM_KEY!), scopes: ['read', 'decide'] },
      { name: 'privacy-office', sha256: hashApiKey(process.env.PRIVACY_KEY!), scopes: ['admin', 'read'] },
    ],
    logger: { level: 'info', stream }, // JSON lines; no headers, bodies, query strings or identifiers
  })
  // #endregion api-keys
  return app
}

/** Consent: withdrawn for marketing, kept for service messages. */
export async function consent(hub: Hub): Promise<void> {
  // #region consent
  const aiko = { loyaltyId: 'L-1001', email: 'aiko@example.jp' }
  await hub.publish({ type: 'consent.changed', source: 'web', identity: aiko, data: { channel: 'email', purpose: 'service', granted: true } })
  await hub.publish({ type: 'consent.changed', source: 'web', identity: aiko, data: { channel: 'email', purpose: 'marketing', granted: false, reason: 'unsubscribe link' } })
  await hub.publish({ type: 'consent.changed', source: 'app', identity: aiko, data: { channel: 'inbox', granted: true } })
  // #endregion consent
  await hub.drain()
}

/** Erasure everywhere. */
export async function erase(hub: Hub) {
  // #region erase
  const receipt = await hub.erase({ identity: { email: 'aiko@example.jp' } })
  console.log(receipt.removed) // { scheduler: 1, decisionLog: 2, inbox: 1, profiles: 4, contactHistory: 1, responseModel: 1 }
  // #endregion erase
  return receipt
}
