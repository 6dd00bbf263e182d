import { describe, expect, it } from 'vitest'
import { formatApnsToken, formatFcmToken, formatWebPushToken, parsePushToken } from './push-token.js'

const sub = {
  endpoint: 'https://push.example.net/wpush/v2/gAAAAABh-very-long-opaque-id',
  keys: { p256dh: 'B' + 'A'.repeat(86), auth: 'q'.repeat(22) },
}

describe('parsePushToken', () => {
  it('reads apns:, fcm: and both webpush forms', () => {
    const hex = 'AB'.repeat(32)
    expect(parsePushToken(formatApnsToken(hex))).toMatchObject({ ok: true, target: { kind: 'apns', token: hex.toLowerCase() } })
    expect(parsePushToken(formatFcmToken('dGhpcyBpcyBhbiBGQ00gdG9rZW4:APA91bH-abc_def'))).toMatchObject({ ok: true, target: { kind: 'fcm' } })
    const compact = formatWebPushToken(sub)
    expect(compact.length).toBeLessThan(512)
    expect(parsePushToken(compact)).toMatchObject({ ok: true, target: { kind: 'webpush', subscription: sub } })
    expect(parsePushToken(JSON.stringify({ ...sub, expirationTime: null }))).toMatchObject({ ok: true, target: { kind: 'webpush', subscription: { endpoint: sub.endpoint } } })
    expect(parsePushToken(`webpush:${JSON.stringify(sub)}`)).toMatchObject({ ok: true, target: { kind: 'webpush' } })
  })

  it('refuses bare, malformed and insecure tokens with a reason', () => {
    expect(parsePushToken('ab'.repeat(32))).toMatchObject({ ok: false, reason: expect.stringContaining('prefix') })
    expect(parsePushToken('apns:xyz')).toMatchObject({ ok: false, reason: expect.stringContaining('hex') })
    expect(parsePushToken('fcm:')).toMatchObject({ ok: false })
    expect(parsePushToken(formatWebPushToken({ ...sub, endpoint: 'http://push.example.net/x' }))).toMatchObject({ ok: false, reason: expect.stringContaining('https') })
    expect(parsePushToken('webpush:{not json')).toMatchObject({ ok: false, reason: expect.stringContaining('JSON') })
    expect(parsePushToken('webpush:onlyonepart')).toMatchObject({ ok: false })
  })
})
