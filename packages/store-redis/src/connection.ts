import { Redis } from 'ioredis'

/** Options of {@link RedisConnection}. */
export interface RedisConnectionOptions {
  /** An ioredis client you own: used, never closed by the store. */
  readonly client?: Redis | undefined
  /** Used to open a client when none is given; that client is closed on destroy. */
  readonly url?: string | undefined
  /** Prefix of every key the store writes. Default `omo:`. */
  readonly prefix?: string | undefined
}

/**
 * The client shared by every Redis adapter of one `redisStore()`, and the key prefix. A client
 * the store opened is created lazily-connected and closed on destroy; a given one is left alone.
 */
export class RedisConnection {
  /** The client every command runs on. */
  readonly client: Redis
  /** Prefix of every key. */
  readonly prefix: string
  readonly #owned: boolean
  #closed = false

  constructor(options: RedisConnectionOptions) {
    this.prefix = options.prefix ?? 'omo:'
    if (options.client) {
      this.client = options.client
      this.#owned = false
    } else {
      if (!options.url) throw new RangeError('client or url: one is required')
      this.client = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 })
      // Connection errors surface on the commands that need the connection; do not crash on the event.
      this.client.on('error', () => {})
      this.#owned = true
    }
  }

  /** `prefix + name`. */
  key(name: string): string {
    return this.prefix + name
  }

  /** Connects a client the store opened (a given client is used as it is). */
  async init(): Promise<void> {
    if (this.#owned && this.client.status === 'wait') await this.client.connect()
  }

  /** Closes the client if this store opened it. */
  async destroy(): Promise<void> {
    if (this.#owned && !this.#closed) {
      this.#closed = true
      await this.client.quit().catch(() => this.client.disconnect())
    }
  }
}
