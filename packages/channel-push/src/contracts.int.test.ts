import { generateKeyPairSync } from 'node:crypto'
import { Agent } from 'node:https'
import { MemoryIdempotencyLedger, MemoryInboxStore, SystemClock } from '@omotenashi/core'
import { describeChannelContract, describeConnectorContract } from '@omotenashi/core/testing'
import webpush from 'web-push'
import { ApnsProvider } from './apns-provider.js'
import { FcmProvider } from './fcm-provider.js'
import { InboxChannel } from './inbox-channel.js'
import { PushChannel, type PushProviders } from './push-channel.js'
import { PushRegistry } from './push-registry.js'
import { formatApnsToken, formatFcmToken } from './push-token.js'
import { MemoryPushTokenStore } from './push-token-store.js'
import { startApnsServer } from './testing/apns-server.js'
import { startFcmServer } from './testing/fcm-server.js'
import { startWebPushService } from './testing/web-push-service.js'
import { WebPushProvider } from './web-push-provider.js'

// The core contracts, run against the local push services of ./testing.

function pushChannel(providers: PushProviders): PushChannel {
  return new PushChannel({ id: 'push', providers, tokens: new MemoryPushTokenStore(), ledger: new MemoryIdempotencyLedger(), clock: new SystemClock(), defaults: { ttlSeconds: 60, urgency: 'normal' } })
}

describeChannelContract('push: Web Push', async () => {
  const vapid = webpush.generateVAPIDKeys()
  const service = await startWebPushService({ vapidPublicKey: vapid.publicKey })
  const live = service.subscribe()
  const gone = service.subscribe()
  service.expire(gone.id)
  const channel = pushChannel({ webpush: new WebPushProvider({ subject: 'mailto:ops@example.jp', ...vapid, agent: new Agent({ ca: service.ca }) }) })
  return {
    channel,
    recipient: { customerId: 'c-1', identifiers: { deviceToken: [live.token] } },
    refusedRecipient: { customerId: 'c-2', identifiers: { deviceToken: [gone.token] } },
    delivered: async () => service.received.length,
    cleanup: () => service.close(),
  }
})

describeChannelContract('push: APNs', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const server = await startApnsServer({ teamId: 'TEAM123456', keyId: 'KEY1234567', key: privateKey, topics: ['jp.example.app'] })
  server.unregister('ee'.repeat(32))
  const provider = new ApnsProvider({ teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey, topic: 'jp.example.app', url: server.url, ca: server.ca })
  return {
    channel: pushChannel({ apns: provider }),
    recipient: { customerId: 'c-1', identifiers: { deviceToken: [formatApnsToken('ab'.repeat(32))] } },
    refusedRecipient: { customerId: 'c-2', identifiers: { deviceToken: [formatApnsToken('ee'.repeat(32))] } },
    delivered: async () => server.received.length,
    cleanup: async () => {
      await provider.close()
      await server.close()
    },
  }
})

describeChannelContract('push: FCM', async () => {
  const server = await startFcmServer({ projectId: 'contract-test', accessToken: 'ya29.c' })
  server.unregister('Z29uZS1kZXZpY2UtdG9rZW4:APA91b-gone')
  return {
    channel: pushChannel({ fcm: new FcmProvider({ projectId: 'contract-test', baseUrl: server.baseUrl, accessToken: () => 'ya29.c' }) }),
    recipient: { customerId: 'c-1', identifiers: { deviceToken: [formatFcmToken('bGl2ZS1kZXZpY2UtdG9rZW4:APA91b-live')] } },
    refusedRecipient: { customerId: 'c-2', identifiers: { deviceToken: [formatFcmToken('Z29uZS1kZXZpY2UtdG9rZW4:APA91b-gone')] } },
    delivered: async () => server.received.length,
    cleanup: () => server.close(),
  }
})

describeChannelContract('inbox', async () => {
  const store = new MemoryInboxStore()
  return {
    channel: new InboxChannel({ id: 'inbox', store, clock: new SystemClock(), ttlSeconds: 3600 }),
    recipient: { customerId: 'c-1', identifiers: {} },
    delivered: async () => (await store.list('c-1')).length,
  }
})

describeConnectorContract('push device registry', async () => {
  const registry = new PushRegistry(new MemoryPushTokenStore(), new SystemClock())
  return {
    connector: registry,
    trigger: async () => {
      await registry.register({ customerId: 'c-1', token: formatApnsToken('cd'.repeat(32)) })
      await registry.unregister({ customerId: 'c-1', token: formatApnsToken('cd'.repeat(32)) })
    },
  }
})
