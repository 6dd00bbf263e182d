import { describe, expect, it } from 'vitest'
import { apnsIdFor, classifyApnsError } from './apns-provider.js'
import { classifyFcmError } from './fcm-provider.js'
import { classifyWebPushError, webPushTopic } from './web-push-provider.js'

describe('provider error classification', () => {
  it('Web Push: 404/410 revoke, 429/5xx transient, other 4xx permanent', () => {
    expect(classifyWebPushError({ statusCode: 410 }).status).toBe('revoked')
    expect(classifyWebPushError({ statusCode: 404 }).status).toBe('revoked')
    expect(classifyWebPushError({ statusCode: 429 })).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyWebPushError({ statusCode: 503 })).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyWebPushError({ statusCode: 413 })).toMatchObject({ status: 'failed', permanent: true })
    expect(classifyWebPushError(new Error('ECONNRESET'))).toMatchObject({ status: 'failed', permanent: false })
  })

  it('FCM: only UNREGISTERED revokes; quota and outages are transient', () => {
    expect(classifyFcmError(404, 'UNREGISTERED').status).toBe('revoked')
    expect(classifyFcmError(404, 'NOT_FOUND')).toMatchObject({ status: 'failed', permanent: true })
    expect(classifyFcmError(403, 'SENDER_ID_MISMATCH')).toMatchObject({ status: 'failed', permanent: true })
    expect(classifyFcmError(429, 'QUOTA_EXCEEDED')).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyFcmError(401, undefined)).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyFcmError(400, 'INVALID_ARGUMENT')).toMatchObject({ status: 'failed', permanent: true })
  })

  it('APNs: 410 and BadDeviceToken revoke; provider-token and server errors are transient', () => {
    expect(classifyApnsError(410, 'Unregistered').status).toBe('revoked')
    expect(classifyApnsError(400, 'BadDeviceToken').status).toBe('revoked')
    expect(classifyApnsError(403, 'InvalidProviderToken')).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyApnsError(429, 'TooManyRequests')).toMatchObject({ status: 'failed', permanent: false })
    expect(classifyApnsError(413, 'PayloadTooLarge')).toMatchObject({ status: 'failed', permanent: true })
    expect(classifyApnsError(400, 'DeviceTokenNotForTopic')).toMatchObject({ status: 'failed', permanent: true })
  })

  it('derives stable UUID apns-ids and valid Web Push topics', () => {
    expect(apnsIdFor('k1')).toBe(apnsIdFor('k1'))
    expect(apnsIdFor('k1')).not.toBe(apnsIdFor('k2'))
    expect(apnsIdFor('k1')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/)
    expect(webPushTopic('sale')).toBe('sale')
    expect(webPushTopic('price drop: コート / very long collapse key')).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })
})
