import { createHmac, timingSafeEqual } from 'node:crypto'

/** `X-Line-Signature` of a body: base64(HMAC-SHA256(raw body, channel secret)). */
export function signLineBody(body: Buffer | string, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64')
}

/**
 * Checks an `X-Line-Signature` against the raw body in constant time. Both sides are compared as
 * 32-byte digests (never as strings of attacker-chosen length), so the time taken says nothing
 * about how much of the signature was right.
 */
export function verifyLineSignature(body: Buffer, signature: string | undefined, channelSecret: string): boolean {
  if (typeof signature !== 'string' || signature.length === 0) return false
  const expected = createHmac('sha256', channelSecret).update(body).digest()
  const given = Buffer.from(signature, 'base64')
  if (given.length !== expected.length) {
    // Still spend the comparison, so a wrong length is not faster to detect.
    timingSafeEqual(expected, expected)
    return false
  }
  return timingSafeEqual(given, expected)
}
