import { randomBytes } from 'node:crypto'
import type { Hub } from '@omotenashi/core'
import type { FastifyInstance } from 'fastify'
import { hashApiKey, SCOPES, type Scope } from '../api-keys.js'
import { omotenashiServer, type OmotenashiServerOptions } from '../server.js'

/** A server listening on 127.0.0.1 with a random port and one fresh key per scope. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  readonly url: string
  /** The Fastify instance. */
  readonly app: FastifyInstance
  /** A key per scope, plus `all` holding every scope. */
  readonly keys: Readonly<Record<Scope | 'all', string>>
  /** Closes the server (not the hub). */
  close(): Promise<void>
}

/**
 * Starts the API for tests and benchmarks: fresh random keys for each scope (and one with every
 * scope), logging off unless asked, listening on 127.0.0.1 port 0.
 */
export async function startTestServer(hub: Hub, options: OmotenashiServerOptions = {}): Promise<TestServer> {
  const keys = Object.fromEntries([...SCOPES, 'all'].map((s) => [s, `omo_${s}_${randomBytes(16).toString('hex')}`])) as Record<Scope | 'all', string>
  const generated = [
    ...SCOPES.map((scope) => ({ name: `test-${scope}`, sha256: hashApiKey(keys[scope]), scopes: [scope] })),
    { name: 'test-all', sha256: hashApiKey(keys.all), scopes: [...SCOPES] },
  ]
  const app = await omotenashiServer(hub, { logger: false, ...options, apiKeys: [...generated, ...(options.apiKeys ?? [])] })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, app, keys, close: () => app.close() }
}
