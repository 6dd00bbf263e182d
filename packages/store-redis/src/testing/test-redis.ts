import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/** The local test Redis: `OMOTENASHI_REDIS_URL`, else redis://127.0.0.1:6379. */
export const TEST_REDIS_URL = process.env['OMOTENASHI_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** A client on the test Redis and a key prefix no one else uses; `drop` deletes the keys and quits. */
export interface TestRedis {
  readonly client: Redis
  readonly prefix: string
  /** Deletes every key under the prefix and closes the client. */
  readonly drop: () => Promise<void>
}

/** Deletes every key under `prefix` (SCAN, never KEYS: safe on a shared server). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let n = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) n += await client.del(...keys)
  } while (cursor !== '0')
  return n
}

/** Opens a client on the test Redis with a fresh prefix (`omo-test:<label>:<random>:`). */
export function testRedis(label = 'test'): TestRedis {
  const prefix = `omo-test:${label}:${randomBytes(5).toString('hex')}:`
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 })
  client.on('error', () => {})
  return {
    client,
    prefix,
    drop: async () => {
      await deleteByPrefix(client, prefix)
      await client.quit()
    },
  }
}
