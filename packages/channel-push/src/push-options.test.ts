import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { inboxChannel, pushChannel } from './push-module.js'

describe('pushChannel options', () => {
  it('needs at least one provider', () => {
    expect(() => pushChannel({})).toThrow(/at least one of webPush, fcm and apns/)
  })

  it('names each bad field', () => {
    let error: unknown
    try {
      pushChannel({
        webPush: { vapid: { subject: 'ops@example.jp', publicKey: 'short', privateKey: 'x'.repeat(43) } },
        apns: { teamId: 'abc', keyId: 'KEY1234567', privateKey: 'not a key', topic: 'jp.example.app' },
        fcm: { projectId: 'p', accessToken: 'not a function' as never },
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'apns.privateKey',
      'apns.teamId',
      'fcm.accessToken',
      'fcm.projectId',
      'webPush.vapid.publicKey',
      'webPush.vapid.subject',
    ])
  })

  it('validates the inbox options', () => {
    expect(() => inboxChannel({ ttlSeconds: -1 })).toThrow(/ttlSeconds/)
  })
})
