import { createHub, ErrorCode, OmotenashiError, Tokens } from '@omotenashi/core'
import { ProfileStoreToken } from '@omotenashi/server'
import { hubOptionsOf, type OmotenashiConfig } from '../config.js'
import { defaultModules } from '../default-modules.js'

/** Options of {@link showProfile}. */
export interface ShowProfileOptions {
  /** Ask a running server instead of building the hub from the config. */
  readonly url?: string
  /** API key (`read` scope) for `url`. */
  readonly apiKey?: string
  /** Look up by an identifier (`kind=value`) instead of the customer id. */
  readonly identity?: Readonly<Record<string, string>>
  /** Also list the customer's recent decisions. */
  readonly decisions?: boolean
}

async function http(url: string, apiKey: string | undefined, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
  if (!res.ok) throw new OmotenashiError((json.error?.code as ErrorCode | undefined) ?? ErrorCode.NotFound, `${res.status}: ${json.error?.message ?? res.statusText}`)
  return json
}

/**
 * A customer's profile (and optionally decisions), from a running server (`url`) or from the
 * stores the config's hub uses (useful with PostgreSQL or Redis stores).
 */
export async function showProfile(customerId: string | undefined, config: OmotenashiConfig | undefined, options: ShowProfileOptions = {}): Promise<{ profile: unknown; decisions?: unknown }> {
  if (customerId === undefined && options.identity === undefined) throw new OmotenashiError(ErrorCode.Validation, 'give a customer id or --identity kind=value')
  if (options.url) {
    const profile = (options.identity
      ? await http(options.url, options.apiKey, '/v1/profiles/lookup', { identity: options.identity })
      : await http(options.url, options.apiKey, `/v1/profiles/${encodeURIComponent(customerId!)}`)) as { id?: string }
    if (!options.decisions) return { profile }
    const id = profile.id ?? customerId!
    const { decisions } = (await http(options.url, options.apiKey, `/v1/customers/${encodeURIComponent(id)}/decisions?limit=20`)) as { decisions: unknown }
    return { profile, decisions }
  }
  const hubOptions = hubOptionsOf(config)
  const hub = await createHub({ ...hubOptions, modules: hubOptions.modules ?? (await defaultModules()) })
  await hub.start()
  try {
    if (!hub.container.isBound(ProfileStoreToken)) throw new OmotenashiError(ErrorCode.Config, 'the config keeps no profiles: add profiles() to its modules')
    const id = options.identity ? await hub.get(Tokens.IdentityResolver).resolve(options.identity, { create: false }) : customerId
    const profile = id === undefined ? undefined : await hub.get(ProfileStoreToken).get(id)
    if (!profile) throw new OmotenashiError(ErrorCode.NotFound, 'no such profile')
    if (!options.decisions) return { profile }
    return { profile, decisions: await hub.get(Tokens.DecisionLog).list(id!, { limit: 20 }) }
  } finally {
    await hub.stop()
  }
}
