import { Agent } from 'node:https'
import { MemoryIdempotencyLedger, VirtualClock, type Recipient } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { PushChannel } from './push-channel.js'
import { MemoryPushTokenStore } from './push-token-store.js'
import { startWebPushService, type WebPushService } from './testing/web-push-service.js'
import { WebPushProvider } from './web-push-provider.js'

// The real web-push library against a local HTTPS push service that verifies VAPID and
// decrypts every payload with the subscription's private key.

describe('Web Push through web-push', () => {
  let service: WebPushService
  const vapid = webpush.generateVAPIDKeys()

  beforeAll(async () => {
    service = await startWebPushService({ vapidPublicKey: vapid.publicKey })
  })
  afterAll(async () => {
    await service.close()
  })

  function channel(keys = vapid): { channel: PushChannel; tokens: MemoryPushTokenStore; ledger: MemoryIdempotencyLedger } {
    const tokens = new MemoryPushTokenStore()
    const ledger = new MemoryIdempotencyLedger()
    const provider = new WebPushProvider({ subject: 'mailto:ops@example.jp', publicKey: keys.publicKey, privateKey: keys.privateKey, agent: new Agent({ ca: service.ca }) })
    return { channel: new PushChannel({ id: 'push', providers: { webpush: provider }, tokens, ledger, clock: new VirtualClock(), defaults: { ttlSeconds: 3600, urgency: 'normal' } }), tokens, ledger }
  }

  it('delivers an encrypted payload with VAPID, TTL, urgency and topic', async () => {
    const sub = service.subscribe()
    const { channel: push } = channel()
    const recipient: Recipient = { customerId: 'c-1', identifiers: { deviceToken: [sub.token] } }
    const result = await push.send(
      { actionId: 'price-drop', decisionId: 'd-1', title: 'お値下げ', text: 'ご試着のコートが20%オフ', url: 'https://shop.example.jp/p/coat', content: { push: { urgency: 'high', ttlSeconds: 600, collapseKey: 'price-drop', data: { sku: 'COAT-1' } } } },
      recipient,
      { idempotencyKey: 'd-1:push' },
    )
    expect(result.status).toBe('sent')
    expect(result.providerMessageId).toMatch(new RegExp(`^${service.origin}/message/`))
    const got = service.received.filter((r) => r.subscriptionId === sub.id)
    expect(got).toHaveLength(1)
    expect(JSON.parse(got[0]!.payload)).toEqual({
      title: 'お値下げ',
      body: 'ご試着のコートが20%オフ',
      url: 'https://shop.example.jp/p/coat',
      actionId: 'price-drop',
      decisionId: 'd-1',
      tag: 'price-drop',
      data: { sku: 'COAT-1' },
    })
    expect(got[0]).toMatchObject({ ttl: 600, urgency: 'high', topic: 'price-drop', vapid: { aud: service.origin, sub: 'mailto:ops@example.jp', publicKey: vapid.publicKey } })
    expect(got[0]!.vapid.exp).toBeGreaterThan(Date.now() / 1000)
  })

  it('sends nothing twice for one key', async () => {
    const sub = service.subscribe()
    const { channel: push } = channel()
    const recipient: Recipient = { customerId: 'c-2', identifiers: { deviceToken: [sub.token] } }
    expect((await push.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).status).toBe('sent')
    expect((await push.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).status).toBe('duplicate')
    expect(service.received.filter((r) => r.subscriptionId === sub.id)).toHaveLength(1)
  })

  it('turns 410 into a revoked token: a permanent failure, a push.token_revoked event, and no later request', async () => {
    const sub = service.subscribe()
    service.expire(sub.id)
    const { channel: push, tokens } = channel()
    const recipient: Recipient = { customerId: 'c-3', identifiers: { deviceToken: [sub.token] } }
    const first = await push.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k1' })
    expect(first).toMatchObject({ status: 'failed', permanent: true })
    expect(first.events).toEqual([{ type: 'push.token_revoked', source: 'push', identity: { customerId: 'c-3' }, data: { token: sub.token, reason: expect.stringContaining('410') } }])
    expect(await tokens.isRevoked(sub.token)).toBe(true)
    const refusedBefore = service.refused.filter((r) => r.subscriptionId === sub.id).length
    const second = await push.send({ actionId: 'b', title: 't' }, recipient, { idempotencyKey: 'k2' })
    expect(second).toMatchObject({ status: 'failed', permanent: true, reason: expect.stringContaining('revoked') })
    expect(service.refused.filter((r) => r.subscriptionId === sub.id)).toHaveLength(refusedBefore)
  })

  it('treats 429 as transient and sends once when retried', async () => {
    const sub = service.subscribe()
    const { channel: push } = channel()
    const recipient: Recipient = { customerId: 'c-4', identifiers: { deviceToken: [sub.token] } }
    service.failNext(429)
    expect(await push.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: false })
    expect((await push.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).status).toBe('sent')
    expect(service.received.filter((r) => r.subscriptionId === sub.id)).toHaveLength(1)
  })

  it('is refused by the service when signed with another VAPID key', async () => {
    const sub = service.subscribe()
    const { channel: push } = channel(webpush.generateVAPIDKeys())
    const result = await push.send({ actionId: 'a', title: 't' }, { customerId: 'c-5', identifiers: { deviceToken: [sub.token] } }, { idempotencyKey: 'k' })
    expect(result).toMatchObject({ status: 'failed', permanent: false, reason: 'web push 403' })
    expect(service.refused.at(-1)).toMatchObject({ subscriptionId: sub.id, status: 403 })
  })
})
