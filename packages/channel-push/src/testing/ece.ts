import { createDecipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto'

/** The user agent's side of a Web Push subscription: what a browser keeps secret. */
export interface SubscriptionKeys {
  /** The P-256 key pair (ECDH). */
  readonly ecdh: ECDH
  /** Uncompressed public key, base64url (the subscription's `p256dh`). */
  readonly p256dh: string
  /** The 16-byte auth secret, base64url (the subscription's `auth`). */
  readonly auth: string
}

/** Makes the keys a browser would make for a new subscription. */
export function createSubscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { ecdh, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') }
}

function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length))
}

/**
 * Decrypts a Web Push message body as a browser does: RFC 8188 `aes128gcm` content coding with
 * the RFC 8291 key derivation (ECDH with the sender's key from the header, then the auth
 * secret). Written from the RFCs, independently of the `http_ece` library `web-push` encrypts
 * with, so a test using it checks the encryption rather than assuming it. Throws on any error.
 */
export function decryptAes128gcm(body: Buffer, keys: SubscriptionKeys): Buffer {
  if (body.length < 21) throw new Error('aes128gcm: body shorter than its header')
  const salt = body.subarray(0, 16)
  const recordSize = body.readUInt32BE(16)
  const idLength = body[20]!
  if (recordSize < 18) throw new Error('aes128gcm: record size too small')
  if (idLength !== 65) throw new Error(`aes128gcm: key id must be the sender's 65-byte public key, got ${idLength} bytes`)
  const senderPublic = body.subarray(21, 21 + idLength)
  const ciphertext = body.subarray(21 + idLength)

  const userPublic = keys.ecdh.getPublicKey()
  const shared = keys.ecdh.computeSecret(senderPublic)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), userPublic, senderPublic])
  const ikm = hkdf(Buffer.from(keys.auth, 'base64url'), shared, keyInfo, 32)
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16)
  const baseNonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12)

  const plain: Buffer[] = []
  let sawLast = false
  for (let offset = 0, seq = 0; offset < ciphertext.length; offset += recordSize, seq++) {
    if (sawLast) throw new Error('aes128gcm: data after the last record')
    const record = ciphertext.subarray(offset, Math.min(offset + recordSize, ciphertext.length))
    if (record.length < 17) throw new Error('aes128gcm: truncated record')
    const nonce = Buffer.from(baseNonce)
    // The record sequence number is XORed into the last six bytes of the nonce.
    for (let i = 0; i < 6; i++) nonce[11 - i] = nonce[11 - i]! ^ (Math.floor(seq / 2 ** (8 * i)) & 0xff)
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
    decipher.setAuthTag(record.subarray(record.length - 16))
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
    let end = padded.length - 1
    while (end >= 0 && padded[end] === 0) end--
    const delimiter = padded[end]
    if (delimiter !== 1 && delimiter !== 2) throw new Error('aes128gcm: bad padding delimiter')
    sawLast = delimiter === 2
    plain.push(padded.subarray(0, end))
  }
  if (!sawLast) throw new Error('aes128gcm: the last record is missing (truncated message)')
  return Buffer.concat(plain)
}
