import { createHash } from 'node:crypto'

/**
 * Namespace of the retry keys (a fixed random UUID). Mixing it in keeps our keys apart from any
 * other v5 UUIDs derived from the same strings.
 */
const NAMESPACE = Buffer.from('6f6d6f74656e6173686921a1b2c3d4e5'.slice(0, 32), 'hex')

/**
 * The `X-Line-Retry-Key` for an idempotency key. LINE wants a UUID, while the hub's keys are
 * free-form strings, so the key is hashed into a name-based (version 5 style, SHA-1) UUID: the
 * same idempotency key always yields the same retry key, across processes and restarts.
 */
export function retryKeyFor(idempotencyKey: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(idempotencyKey, 'utf8').digest()
  const bytes = hash.subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x50
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
