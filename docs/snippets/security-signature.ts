// The security guide: verifying a webhook signature of your own (docs/security.md quotes the region).
import { createHmac, timingSafeEqual } from 'node:crypto'

// #region hmac
/**
 * Checks `X-Signature: sha256=<hex>` (HMAC-SHA256 of the raw body) in constant time.
 * Verify the raw bytes as received, before parsing: re-serialised JSON is not what was signed.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(rawBody).digest()
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header ?? '')
  // timingSafeEqual throws on different lengths: compare digests, never attacker-sized strings.
  const given = match ? Buffer.from(match[1]!, 'hex') : Buffer.alloc(expected.length)
  return timingSafeEqual(given, expected) && match !== null
}
// #endregion hmac
