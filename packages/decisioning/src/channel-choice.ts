import type { ChannelCapabilities, Recipient } from '@omotenashi/core'
import type { Profile } from '@omotenashi/profile'

/** Why a channel cannot carry a message to this customer, or that it can. */
export type ChannelVerdict =
  | { readonly ok: true; readonly channel: string }
  | { readonly ok: false; readonly channel: string; readonly policy: 'not_installed' | 'consent' | 'unreachable' | 'no_address' | 'no_store'; readonly reason: string }

/**
 * Whether `channel` may carry an action of `purpose` to the customer: it is installed, the
 * customer consented (to that purpose, or to `*`), it is not known unreachable, and the
 * profile holds the identifier it addresses. Store-addressed channels (staff) need a store,
 * not consent.
 */
export function channelVerdict(channel: string, capabilities: ChannelCapabilities | undefined, profile: Profile | undefined, purpose: string, storeId: string | undefined): ChannelVerdict {
  if (!capabilities) return { ok: false, channel, policy: 'not_installed', reason: `${channel}: not installed` }
  if (capabilities.storeAddressed) {
    return storeId === undefined ? { ok: false, channel, policy: 'no_store', reason: `${channel}: no store to address` } : { ok: true, channel }
  }
  const byPurpose = profile?.consent[channel]
  const consent = byPurpose?.[purpose] ?? byPurpose?.['*']
  if (consent?.granted !== true) return { ok: false, channel, policy: 'consent', reason: `${channel}: no consent for ${purpose}` }
  const reach = profile?.reachability[channel]
  if (reach?.reachable === false) return { ok: false, channel, policy: 'unreachable', reason: `${channel}: unreachable${reach.reason ? ` (${reach.reason})` : ''}` }
  const kind = capabilities.addressKind
  if (kind !== undefined && !(profile?.identifiers[kind]?.length)) return { ok: false, channel, policy: 'no_address', reason: `${channel}: no ${kind} known` }
  return { ok: true, channel }
}

/** The recipient of a send: every identifier the profile knows, most recent first. */
export function recipientOf(customerId: string, profile: Profile | undefined, locale: string, timeZone: string): Recipient {
  const identifiers: Record<string, string[]> = {}
  for (const [kind, records] of Object.entries(profile?.identifiers ?? {})) identifiers[kind] = records.map((r) => r.value)
  return { customerId, identifiers, locale, timeZone }
}
