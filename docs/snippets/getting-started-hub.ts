// The getting-started guide's main snippets (docs/getting-started.md quotes the regions).
import { fileURLToPath } from 'node:url'
import { createHub, RecordingChannel, recordingChannel, Tokens, VirtualClock, type Hub } from '@omotenashi/core'
import { decisioning, explain, loadRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

/** The folder holding the guide's rule file. */
const rulesDir = fileURLToPath(new URL('.', import.meta.url))

/** Assembles and starts the guide's hub (on a virtual clock, so the test knows the time). */
export async function assembleHub(clock = new VirtualClock('2026-03-02T01:00:00Z')): Promise<{ hub: Hub; push: RecordingChannel }> {
  // #region assemble
  const push = new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' } })

  const hub = await createHub({
    clock, // leave it out and the hub uses the system clock
    modules: [
      profiles(), // unified profiles, in memory unless a store module is added
      decisioning({ rules: await loadRules('getting-started-rules.yaml', { cwd: rulesDir }) }),
      recordingChannel(push), // records what it would have sent; use pushChannel() in production
    ],
  })
  await hub.start()
  // #endregion assemble
  return { hub, push }
}

/** Publishes the guide's events. */
export async function publishEvents(hub: Hub, push: RecordingChannel): Promise<{ loyaltyId: string }> {
  // #region publish
  const aiko = { loyaltyId: 'L-1001' }
  await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: aiko, data: { traits: { name: 'Aiko', timeZone: 'Asia/Tokyo', locale: 'ja-JP' } } })
  await hub.publish({ type: 'push.token_registered', source: 'app', identity: aiko, data: { token: 'fcm:aiko-phone', platform: 'android' } })
  await hub.publish({ type: 'consent.changed', source: 'app', identity: aiko, data: { channel: 'push', granted: true } })
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: aiko, storeId: 'shibuya', data: { geofenceId: 'shibuya-200m' } })
  await hub.drain() // waits until everything published so far is processed (scripts and tests)

  console.log(push.sent.map((s) => s.message.title)) // [ 'shibuya店で使えるクーポン' ]
  // #endregion publish
  return aiko
}

/** Shows why: publishes a second moment and explains the decisions. */
export async function seeWhy(hub: Hub, aiko: { loyaltyId: string }): Promise<void> {
  // #region why
  await hub.publish({ type: 'geofence.entered', source: 'app', identity: aiko, storeId: 'shibuya', data: { geofenceId: 'shibuya-50m' } })
  await hub.drain()

  const customerId = await hub.get(Tokens.IdentityResolver).resolve(aiko, { create: false })
  for (const decision of await hub.get(Tokens.DecisionLog).list(customerId!)) console.log(explain(decision).join('\n'))
  // dn:… for geofence.entered at 2026-03-02T01:00:00.000Z
  //   BLOCKED store-welcome [cooldown]: rule near-store-welcome@1; cool-down: store-welcome was planned at 2026-03-02T01:00:00.000Z
  // dn:… for geofence.entered at 2026-03-02T01:00:00.000Z
  //   WON store-welcome score 0.38: rule near-store-welcome@1; channels skipped: line: not installed; email: not installed; …
  //   → store-welcome via push
  // #endregion why
}
