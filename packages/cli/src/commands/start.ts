import { createHub, type Hub } from '@omotenashi/core'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import { hubOptionsOf, type OmotenashiConfig } from '../config.js'
import { defaultModules } from '../default-modules.js'

/** Options of {@link startServer}. */
export interface StartOptions {
  readonly port?: number
  readonly host?: string
  /**
   * A plain API key with every scope, for local use (`OMOTENASHI_API_KEY`). Hashed at once;
   * production keys belong in the config, hashed.
   */
  readonly devApiKey?: string
}

/** Builds the hub from a config, starts it and serves the HTTP API. */
export async function startServer(config: OmotenashiConfig | undefined, options: StartOptions = {}): Promise<{ hub: Hub; app: Awaited<ReturnType<typeof omotenashiServer>>; url: string }> {
  const hubOptions = hubOptionsOf(config)
  const hub = await createHub({ ...hubOptions, modules: hubOptions.modules ?? (await defaultModules()) })
  await hub.start()
  const serverOptions = config?.server ?? {}
  const { port: configPort, host: configHost, ...rest } = serverOptions
  const apiKeys = [...(rest.apiKeys ?? [])]
  if (options.devApiKey) apiKeys.push({ name: 'dev', sha256: hashApiKey(options.devApiKey), scopes: ['ingest', 'read', 'decide', 'admin'] })
  const app = await omotenashiServer(hub, { ...rest, apiKeys })
  const address = await app.listen({ port: options.port ?? configPort ?? 8787, host: options.host ?? configHost ?? '127.0.0.1' })
  return { hub, app, url: address }
}
