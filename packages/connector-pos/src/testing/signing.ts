import { hmacSha256Base64 } from '../signature.js'

/** Signs a body as Square does: base64(HMAC-SHA256(signature key, notification URL + body)). */
export function signSquare(body: string | Buffer, signatureKey: string, notificationUrl: string): string {
  return hmacSha256Base64(signatureKey, notificationUrl, body)
}

/** Signs a body as Shopify does: base64(HMAC-SHA256(body, app secret)). */
export function signShopify(body: string | Buffer, secret: string): string {
  return hmacSha256Base64(secret, body)
}
