import { createHmac, timingSafeEqual } from 'node:crypto'

/** base64(HMAC-SHA256(key, ...parts)). */
export function hmacSha256Base64(key: string | Buffer, ...parts: ReadonlyArray<string | Buffer>): string {
  const mac = createHmac('sha256', key)
  for (const part of parts) mac.update(part)
  return mac.digest('base64')
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so the buffers handed to
 * `timingSafeEqual` always have equal length and the comparison time does not reveal the
 * expected value's length either.
 */
export function safeEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = createHmac('sha256', 'omotenashi-compare').update(given).digest()
  const b = createHmac('sha256', 'omotenashi-compare').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** The first value of a header, if present. */
export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
