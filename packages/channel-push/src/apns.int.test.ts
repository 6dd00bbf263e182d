import { generateKeyPairSync } from 'node:crypto'
import { MemoryIdempotencyLedger, VirtualClock, type Recipient } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApnsProvider } from './apns-provider.js'
import { PushChannel } from './push-channel.js'
import { formatApnsToken } from './push-token.js'
import { MemoryPushTokenStore } from './push-token-store.js'
import { startApnsServer, type ApnsServer } from './testing/apns-server.js'

// ApnsProvider (node:http2 + jose) against a local HTTP/2 TLS server that verifies the ES256
// provider token and every apns-* header.

const TEAM = 'TEAM123456'
const KID = 'KEY1234567'
const TOPIC = 'jp.example.shop'
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const device = (n: number): string => n.toString(16).padStart(2, '0').repeat(32)

describe('APNs over HTTP/2', () => {
  let server: ApnsServer
  beforeAll(async () => {
    server = await startApnsServer({ teamId: TEAM, keyId: KID, key: privateKey, topics: [TOPIC] })
  })
  afterAll(async () => {
    await server.close()
  })

  function make(overrides: Partial<ConstructorParameters<typeof ApnsProvider>[0]> = {}): { provider: ApnsProvider; channel: PushChannel; tokens: MemoryPushTokenStore } {
    const provider = new ApnsProvider({ teamId: TEAM, keyId: KID, privateKey: p8, topic: TOPIC, url: server.url, ca: server.ca, ...overrides })
    const tokens = new MemoryPushTokenStore()
    const channel = new PushChannel({ id: 'push', providers: { apns: provider }, tokens, ledger: new MemoryIdempotencyLedger(), clock: new VirtualClock(), defaults: { ttlSeconds: 3600, urgency: 'normal' } })
    return { provider, channel, tokens }
  }

  it('sends an alert with the apns headers and reuses one provider token', async () => {
    const { provider, channel } = make()
    const recipient: Recipient = { customerId: 'c-1', identifiers: { deviceToken: [formatApnsToken(device(1))] } }
    const before = Math.floor(Date.now() / 1000)
    const r1 = await channel.send(
      { actionId: 'vip', title: 'ようこそ', text: '渋谷店へ', url: 'myshop://store/shibuya', content: { push: { collapseKey: 'welcome', badge: 1, sound: 'default', threadId: 'store' } } },
      recipient,
      { idempotencyKey: 'd-1:push' },
    )
    const r2 = await channel.send({ actionId: 'vip', title: 'x' }, recipient, { idempotencyKey: 'd-2:push' })
    expect(r1.status).toBe('sent')
    expect(r2.status).toBe('sent')
    const got = server.received.filter((r) => r.deviceToken === device(1))
    expect(got).toHaveLength(2)
    expect(got[0]!.headers).toMatchObject({ 'apns-topic': TOPIC, 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': 'welcome' })
    expect(got[0]!.headers['apns-id']).toBe(r1.providerMessageId)
    expect(Number(got[0]!.headers['apns-expiration'])).toBeGreaterThanOrEqual(before + 3600)
    expect(got[0]!.payload).toEqual({ aps: { alert: { title: 'ようこそ', body: '渋谷店へ' }, sound: 'default', badge: 1, 'thread-id': 'store' }, actionId: 'vip', url: 'myshop://store/shibuya' })
    expect(provider.tokensSigned).toBe(1)
    expect(new Set(got.map((g) => g.providerToken)).size).toBe(1)
    await provider.close()
  })

  it('sends background pushes at priority 5, and low urgency at 5', async () => {
    const { provider, channel } = make()
    const recipient: Recipient = { customerId: 'c-2', identifiers: { deviceToken: [formatApnsToken(device(2))] } }
    expect((await channel.send({ actionId: 'sync', content: { push: { pushType: 'background', data: { refresh: true } } } }, recipient, { idempotencyKey: 'b' })).status).toBe('sent')
    expect((await channel.send({ actionId: 'n', title: 't', content: { push: { urgency: 'low', ttlSeconds: 0 } } }, recipient, { idempotencyKey: 'l' })).status).toBe('sent')
    const got = server.received.filter((r) => r.deviceToken === device(2))
    expect(got[0]!.headers).toMatchObject({ 'apns-push-type': 'background', 'apns-priority': '5' })
    expect(got[0]!.payload).toEqual({ aps: { 'content-available': 1 }, refresh: true, actionId: 'sync' })
    expect(got[1]!.headers).toMatchObject({ 'apns-priority': '5', 'apns-expiration': '0' })
    await provider.close()
  })

  it('revokes a device on 410 Unregistered and never sends to it again', async () => {
    server.unregister(device(3))
    const { provider, channel, tokens } = make()
    const token = formatApnsToken(device(3))
    const recipient: Recipient = { customerId: 'c-3', identifiers: { deviceToken: [token] } }
    const first = await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k1' })
    expect(first).toMatchObject({ status: 'failed', permanent: true, reason: 'apns 410 Unregistered' })
    expect(first.events?.[0]).toMatchObject({ type: 'push.token_revoked', data: { token } })
    expect(await tokens.isRevoked(token)).toBe(true)
    const attempts = server.refused.filter((r) => r.deviceToken === device(3)).length
    await channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k2' })
    expect(server.refused.filter((r) => r.deviceToken === device(3))).toHaveLength(attempts)
    await provider.close()
  })

  it('re-signs the provider token on ExpiredProviderToken and retries once', async () => {
    const { provider, channel } = make()
    const recipient: Recipient = { customerId: 'c-4', identifiers: { deviceToken: [formatApnsToken(device(4))] } }
    await channel.send({ actionId: 'a', title: 'first' }, recipient, { idempotencyKey: 'k1' })
    server.failNext(403, 'ExpiredProviderToken')
    expect((await channel.send({ actionId: 'a', title: 'second' }, recipient, { idempotencyKey: 'k2' })).status).toBe('sent')
    expect(provider.tokensSigned).toBe(2)
    await provider.close()
  })

  it('rotates the provider token after its lifetime', async () => {
    let now = Date.now()
    const { provider, channel } = make({ now: () => now, tokenTtlMs: 20 * 60_000 })
    const recipient: Recipient = { customerId: 'c-5', identifiers: { deviceToken: [formatApnsToken(device(5))] } }
    await channel.send({ actionId: 'a', title: '1' }, recipient, { idempotencyKey: 'k1' })
    now += 10 * 60_000
    await channel.send({ actionId: 'a', title: '2' }, recipient, { idempotencyKey: 'k2' })
    expect(provider.tokensSigned).toBe(1)
    now += 11 * 60_000
    // The server checks iat against its own clock: keep the signed iat within the hour.
    await channel.send({ actionId: 'a', title: '3' }, recipient, { idempotencyKey: 'k3' })
    expect(provider.tokensSigned).toBe(2)
    await provider.close()
  })

  it('is refused with a wrong key id or topic (the server really checks)', async () => {
    const bad = make({ keyId: 'WRONGKEY00' })
    const recipient: Recipient = { customerId: 'c-6', identifiers: { deviceToken: [formatApnsToken(device(6))] } }
    expect(await bad.channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: false, reason: 'apns 403 InvalidProviderToken' })
    const badTopic = make({ topic: 'jp.example.other' })
    expect(await badTopic.channel.send({ actionId: 'a', title: 't' }, recipient, { idempotencyKey: 'k' })).toMatchObject({ status: 'failed', permanent: true, reason: 'apns 400 TopicDisallowed' })
    await bad.provider.close()
    await badTopic.provider.close()
  })
})
