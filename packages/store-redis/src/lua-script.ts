import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not know it
 * (first use, or after SCRIPT FLUSH / a failover). Scripts run atomically on the server: that
 * is what makes the multi-key steps of the stores indivisible.
 */
export class LuaScript {
  readonly #source: string
  readonly #sha: string

  constructor(source: string) {
    this.#source = source
    this.#sha = createHash('sha1').update(source).digest('hex')
  }

  /** Runs the script with `keys` and `args`. */
  async run<T = unknown>(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T> {
    try {
      return (await client.evalsha(this.#sha, keys.length, ...keys, ...args)) as T
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return (await client.eval(this.#source, keys.length, ...keys, ...args)) as T
    }
  }
}
