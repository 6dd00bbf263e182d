import { encrypt as eceEncrypt } from 'http_ece'
import { describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { createSubscriptionKeys, decryptAes128gcm } from './ece.js'

describe('decryptAes128gcm (RFC 8188 / 8291, written from the RFCs)', () => {
  it('decrypts what web-push encrypts for a subscription', () => {
    const keys = createSubscriptionKeys()
    const text = '{"title":"ご来店ありがとうございます","url":"myapp://coupon/1"}'
    const { cipherText, salt, localPublicKey } = webpush.encrypt(keys.p256dh, keys.auth, text, 'aes128gcm')
    expect(salt).toBeTruthy()
    expect(localPublicKey).toBeTruthy()
    expect(decryptAes128gcm(cipherText, keys).toString('utf8')).toBe(text)
  })

  it('handles several records and padding (http_ece with a small record size)', () => {
    const keys = createSubscriptionKeys()
    const sender = createSubscriptionKeys()
    const plain = Buffer.from('x'.repeat(200) + 'END')
    const body = eceEncrypt(plain, {
      version: 'aes128gcm',
      privateKey: sender.ecdh,
      dh: keys.p256dh,
      authSecret: keys.auth,
      rs: 50,
      pad: 7,
    })
    expect(decryptAes128gcm(body, keys).toString()).toBe(plain.toString())
  })

  it('refuses a tampered body and the wrong subscription', () => {
    const keys = createSubscriptionKeys()
    const { cipherText } = webpush.encrypt(keys.p256dh, keys.auth, 'hello', 'aes128gcm')
    const tampered = Buffer.from(cipherText)
    tampered[tampered.length - 20]! ^= 1
    expect(() => decryptAes128gcm(tampered, keys)).toThrow()
    expect(() => decryptAes128gcm(cipherText, createSubscriptionKeys())).toThrow()
    expect(() => decryptAes128gcm(cipherText.subarray(0, 40), keys)).toThrow()
  })
})
