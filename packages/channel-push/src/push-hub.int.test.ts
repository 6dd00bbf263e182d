import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHub, Tokens, type Hub, type HttpRoute, type OmoEvent, type Recipient, type Stage } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inboxChannel, pushChannel } from './push-module.js'
import { formatFcmToken } from './push-token.js'
import { PushTokens } from './push-tokens.js'
import { startFcmServer, type FcmServer } from './testing/fcm-server.js'

// The push and inbox channels assembled in a real hub: the dispatcher falls back from push to
// the inbox when the only device is gone, the revocation comes back as an event, and device
// registration goes through the HTTP route.

const live = `fcm:${'bGl2ZS1kZXZpY2UtdG9rZW4'}:APA91b-live`
const dead = `fcm:${'ZGVhZC1kZXZpY2UtdG9rZW4'}:APA91b-dead`

function serveRoutes(routes: () => HttpRoute[]): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const route = routes().find((r) => r.method === req.method && r.path === path)
    if (route) return void route.handle(req, res, {})
    res.writeHead(404).end()
  })
}

describe('push and inbox channels in a hub', () => {
  let fcm: FcmServer
  let hub: Hub
  let http: Server
  let base: string
  let accepted: OmoEvent[]
  let tokensOf: Map<string, string[]>

  beforeEach(async () => {
    fcm = await startFcmServer({ projectId: 'omotenashi-test', accessToken: 'ya29.t' })
    fcm.unregister(dead.slice(4))
    tokensOf = new Map()
    // A decide stage standing in for decisioning: one action, push first, then the inbox.
    const decide: Stage = {
      run(context) {
        if (context.event.type !== 'page.viewed') return
        const customerId = context.event.identity.customerId!
        const recipient: Recipient = { customerId, identifiers: { deviceToken: tokensOf.get(customerId) ?? [] } }
        context.decisions.push({
          id: `dec-${context.event.id}`,
          at: context.event.time,
          customerId,
          trigger: context.event.type,
          candidates: [],
          actions: [{ actionId: 'coupon', channels: ['push', 'inbox'], message: { actionId: 'coupon', title: 'クーポン', text: '10%オフ', url: 'myshop://coupon/10' }, recipient, idempotencyKey: `dec-${context.event.id}` }],
        })
      },
    }
    hub = await createHub({
      modules: [
        pushChannel({ fcm: { projectId: 'omotenashi-test', baseUrl: fcm.baseUrl, accessToken: () => 'ya29.t' } }),
        inboxChannel({ ttlSeconds: 7 * 86_400 }),
        new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(decide)),
      ],
    })
    accepted = []
    hub.hooks.on('event.accepted', (e) => accepted.push(e))
    await hub.start()
    http = serveRoutes(() => hub.container.getAll(Tokens.HttpRoute))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    await hub.stop()
    await fcm.close()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  })

  it('pushes to a live device and stores nothing in the inbox', async () => {
    tokensOf.set('c-live', [live])
    await hub.publish({ id: 'e1', type: 'page.viewed', source: 'web', identity: { customerId: 'c-live' }, data: {} })
    await hub.drain()
    expect(fcm.received.map((r) => r.message.token)).toEqual([live.slice(4)])
    expect(await hub.get(Tokens.InboxStore).list('c-live')).toEqual([])
    expect(accepted.find((e) => e.type === 'message.sent')).toMatchObject({ data: { channel: 'push', actionId: 'coupon' } })
  })

  it('falls back to the inbox when the only device is unregistered, and publishes the revocation', async () => {
    tokensOf.set('c-gone', [dead])
    await hub.publish({ id: 'e2', type: 'page.viewed', source: 'web', identity: { customerId: 'c-gone' }, data: {} })
    await hub.drain()
    expect(accepted.find((e) => e.type === 'push.token_revoked')).toMatchObject({ identity: { customerId: 'c-gone' }, data: { token: dead, reason: 'fcm 404 UNREGISTERED' } })
    expect(accepted.find((e) => e.type === 'message.failed')).toMatchObject({ data: { channel: 'push', permanent: true } })
    const inbox = await hub.get(Tokens.InboxStore).list('c-gone')
    expect(inbox).toMatchObject([{ id: 'dec-e2:inbox', title: 'クーポン', url: 'myshop://coupon/10', actionId: 'coupon' }])
    expect(Date.parse(inbox[0]!.expiresAt!) - Date.parse(inbox[0]!.createdAt)).toBe(7 * 86_400_000)

    // The next decision does not even try the dead token.
    const requests = fcm.refused.length + fcm.received.length
    await hub.publish({ id: 'e3', type: 'page.viewed', source: 'web', identity: { customerId: 'c-gone' }, data: {} })
    await hub.drain()
    expect(fcm.refused.length + fcm.received.length).toBe(requests)
    expect(await hub.get(Tokens.InboxStore).list('c-gone')).toHaveLength(2)
  })

  it('registers and unregisters devices through the route, as events', async () => {
    const post = (method: string, body: unknown): Promise<Response> =>
      fetch(`${base}/push/tokens`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const token = formatFcmToken('bmV3LWRldmljZS10b2tlbi0x:APA91b-new')
    const created = await post('POST', { customerId: 'c-9', token })
    expect(created.status).toBe(201)
    await hub.drain()
    expect(accepted.find((e) => e.type === 'push.token_registered')).toMatchObject({ identity: { customerId: 'c-9' }, data: { token, platform: 'android' } })
    expect((await hub.get(PushTokens.TokenStore).list('c-9')).map((r) => r.token)).toEqual([token])

    const bad = await post('POST', { customerId: 'c-9', token: 'no-prefix-token' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { message: string }).message).toMatch(/^token: .*prefix/)
    const noOwner = await post('POST', { token })
    expect(noOwner.status).toBe(400)
    expect(((await noOwner.json()) as { message: string }).message).toMatch(/customerId/)

    expect((await post('DELETE', { customerId: 'c-9', token })).status).toBe(200)
    await hub.drain()
    expect(accepted.find((e) => e.type === 'push.token_revoked')).toMatchObject({ data: { token, reason: 'unregistered' } })
    expect(await hub.get(PushTokens.TokenStore).isRevoked(token)).toBe(true)
  })
})
