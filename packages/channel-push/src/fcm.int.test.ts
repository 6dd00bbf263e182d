import { MemoryIdempotencyLedger, VirtualClock, type Recipient } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FcmProvider } from './fcm-provider.js'
import { PushChannel } from './push-channel.js'
import { formatFcmToken } from './push-token.js'
import { MemoryPushTokenStore } from './push-token-store.js'
import { startFcmServer, type FcmServer } from './testing/fcm-server.js'

// FcmProvider (fetch) against a local FCM v1 server that checks the bearer token and the body.

const fcmToken = (n: number): string => `dGVzdC1kZXZpY2UtdG9rZW4tbnVtYmVy-${n}:APA91bHexample_${n}`

describe('FCM HTTP v1', () => {
  let server: FcmServer
  let calls = 0
  beforeAll(async () => {
    server = await startFcmServer({ projectId: 'omotenashi-test', accessToken: 'ya29.test-token' })
  })
  afterAll(async () => {
    await server.close()
  })

  function make(accessToken: () => string | Promise<string> = () => (calls++, 'ya29.test-token')): { channel: PushChannel; tokens: MemoryPushTokenStore } {
    const provider = new FcmProvider({ projectId: 'omotenashi-test', baseUrl: server.baseUrl, accessToken })
    const tokens = new MemoryPushTokenStore()
    return { channel: new PushChannel({ id: 'push', providers: { fcm: provider }, tokens, ledger: new MemoryIdempotencyLedger(), clock: new VirtualClock(), defaults: { ttlSeconds: 3600, urgency: 'normal' } }), tokens }
  }

  it('sends a message the v1 API accepts, with the bearer from the provider function', async () => {
    const { channel } = make()
    const recipient: Recipient = { customerId: 'c-1', identifiers: { deviceToken: [formatFcmToken(fcmToken(1))] } }
    const before = calls
    const result = await channel.send(
      { actionId: 'near-store', decisionId: 'd-9', title: '近くの店舗', text: 'クーポンがあります', url: 'https://shop.example.jp/c/1', content: { push: { collapseKey: 'nearby', ttlSeconds: 900, urgency: 'high', data: { storeId: 'shibuya', n: 3 } } } },
      recipient,
      { idempotencyKey: 'd-9:push' },
    )
    expect(result).toMatchObject({ status: 'sent', providerMessageId: expect.stringMatching(/^projects\/omotenashi-test\/messages\//) })
    expect(calls).toBe(before + 1)
    const got = server.received.find((r) => r.message.token === fcmToken(1))
    expect(got?.accessToken).toBe('ya29.test-token')
    expect(got?.message).toEqual({
      token: fcmToken(1),
      notification: { title: '近くの店舗', body: 'クーポンがあります' },
      data: { actionId: 'near-store', storeId: 'shibuya', n: '3', url: 'https://shop.example.jp/c/1', decisionId: 'd-9' },
      android: { ttl: '900s', priority: 'HIGH', collapse_key: 'nearby', notification: { click_action: 'https://shop.example.jp/c/1' } },
      apns: { headers: { 'apns-priority': '10', 'apns-collapse-id': 'nearby' } },
      webpush: { fcm_options: { link: 'https://shop.example.jp/c/1' } },
    })
  })

  it('revokes an UNREGISTERED token and does not use it again', async () => {
    server.unregister(fcmToken(2))
    const { channel, tokens } = make()
    const token = formatFcmToken(fcmToken(2))
    const recipient: Recipient = { customerId: 'c-2', identifiers: { deviceToken: [token] } }
    const result = await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k1' })
    expect(result).toMatchObject({ status: 'failed', permanent: true, reason: 'fcm 404 UNREGISTERED' })
    expect(result.events?.[0]).toMatchObject({ type: 'push.token_revoked', identity: { customerId: 'c-2' }, data: { token } })
    expect(await tokens.isRevoked(token)).toBe(true)
    const refused = server.refused.length
    await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k2' })
    expect(server.refused).toHaveLength(refused)
  })

  it('reports a rejected bearer token and quota errors as transient', async () => {
    const { channel } = make(async () => 'ya29.expired')
    const recipient: Recipient = { customerId: 'c-3', identifiers: { deviceToken: [formatFcmToken(fcmToken(3))] } }
    expect(await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: false, reason: 'fcm 401 UNAUTHENTICATED' })
    server.failNext(429, 'QUOTA_EXCEEDED')
    const good = make()
    expect(await good.channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: false, reason: 'fcm 429 QUOTA_EXCEEDED' })
    expect((await good.channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).status).toBe('sent')
  })

  it('the server refuses a malformed body (non-string data values)', async () => {
    const res = await fetch(`${server.baseUrl}/v1/projects/omotenashi-test/messages:send`, {
      method: 'POST',
      headers: { authorization: 'Bearer ya29.test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ message: { token: 'x', data: { n: 1 }, android: { ttl: '10 minutes' } } }),
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { status: string; message: string } }
    expect(body.error.status).toBe('INVALID_ARGUMENT')
    expect(body.error.message).toMatch(/data\.n.*strings/)
    expect(body.error.message).toMatch(/android\.ttl/)
  })

  it('reaches the live devices of a customer while revoking the dead one', async () => {
    server.unregister(fcmToken(5))
    const { channel } = make()
    const recipient: Recipient = { customerId: 'c-5', identifiers: { deviceToken: [formatFcmToken(fcmToken(5)), formatFcmToken(fcmToken(6)), 'garbage', formatFcmToken(fcmToken(6))] } }
    const result = await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'multi' })
    expect(result.status).toBe('sent')
    expect(result.events).toEqual([expect.objectContaining({ type: 'push.token_revoked', data: expect.objectContaining({ token: formatFcmToken(fcmToken(5)) }) })])
    expect(server.received.filter((r) => r.message.token === fcmToken(6))).toHaveLength(1)
    // The retry reaches nobody new: the live device has its ledger entry, the dead one is revoked.
    const again = await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'multi' })
    expect(again.status).toBe('duplicate')
    expect(server.received.filter((r) => r.message.token === fcmToken(6))).toHaveLength(1)
  })
})
