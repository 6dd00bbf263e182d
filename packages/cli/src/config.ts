import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { ErrorCode, OmotenashiError, type HubOptions } from '@omotenashi/core'
import type { OmotenashiServerOptions } from '@omotenashi/server'
import { createJiti } from 'jiti'

/** What `omotenashi.config.ts` default-exports: the hub's options and, for `start`, the server's. */
export interface OmotenashiConfig extends HubOptions {
  /** Options of the HTTP server run by `omotenashi start`, plus where it listens. */
  readonly server?: OmotenashiServerOptions & { readonly port?: number; readonly host?: string }
}

/** A config object, or a (possibly async) function returning one. */
export type ConfigExport = OmotenashiConfig | (() => OmotenashiConfig | Promise<OmotenashiConfig>)

/** Types a config file's default export. */
export function defineConfig<T extends ConfigExport>(config: T): T {
  return config
}

/** Config file names looked for, in order, when none is given. */
export const CONFIG_FILES = ['omotenashi.config.ts', 'omotenashi.config.mts', 'omotenashi.config.js', 'omotenashi.config.mjs'] as const

/**
 * Loads a config file with jiti (TypeScript works without a build step). Without `file`, looks
 * for {@link CONFIG_FILES} in `cwd`; finds none → `undefined` (commands then use defaults).
 */
export async function loadConfig(file?: string, cwd = process.cwd()): Promise<{ config: OmotenashiConfig; path: string } | undefined> {
  const path = file !== undefined ? resolve(cwd, file) : CONFIG_FILES.map((name) => resolve(cwd, name)).find((p) => existsSync(p))
  if (path === undefined) return undefined
  if (!existsSync(path)) throw new OmotenashiError(ErrorCode.Config, `config file not found: ${path}`)
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false })
  let exported: unknown
  try {
    exported = await jiti.import(path, { default: true })
  } catch (error) {
    throw new OmotenashiError(ErrorCode.Config, `could not load ${path}: ${(error as Error).message}`, { cause: error })
  }
  const config = typeof exported === 'function' ? await (exported as () => unknown)() : exported
  return { config: checkConfig(config, path), path }
}

function checkConfig(config: unknown, path: string): OmotenashiConfig {
  const fail = (field: string, message: string): never => {
    throw new OmotenashiError(ErrorCode.Config, `${path}: ${field} ${message}`)
  }
  if (typeof config !== 'object' || config === null) return fail('the default export', 'must be an object { modules, server? } or a function returning one')
  const c = config as Record<string, unknown>
  if (c['modules'] !== undefined && !Array.isArray(c['modules'])) fail('modules', 'must be an array of modules (e.g. [profiles(), decisioning({ rules })])')
  if (Array.isArray(c['modules'])) c['modules'].forEach((m, i) => (typeof m !== 'object' || m === null) && fail(`modules[${i}]`, 'is not a module'))
  if (c['server'] !== undefined && (typeof c['server'] !== 'object' || c['server'] === null)) fail('server', 'must be an object of server options')
  return c as OmotenashiConfig
}

/** The hub options of a config (everything but `server`). */
export function hubOptionsOf(config: OmotenashiConfig | undefined): HubOptions {
  if (!config) return {}
  const { server: _server, ...hub } = config
  return hub
}
