import { createHmac } from 'node:crypto'
import { createHub, Tokens, type OmoEvent } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { clickAndCollectFeed } from '../index.js'
import { serveRoutes } from '../testing/index.js'

const SECRET = 'oms-shared-secret-0123456789'

async function start(options: Record<string, unknown> = {}) {
  const hub = await createHub({ modules: [clickAndCollectFeed({ secret: SECRET, stores: { '0101': 'shibuya' }, ...options })] })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => events.push(e))
  await hub.start()
  const server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute))
  const send = async (body: unknown, signature?: string) => {
    const text = JSON.stringify(body)
    const response = await fetch(`${server.url}/webhooks/oms`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json', 'x-omotenashi-signature': signature ?? createHmac('sha256', SECRET).update(text).digest('hex') },
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }
  return { hub, events, send, close: async () => (await server.close(), await hub.stop()) }
}

const ready = { eventId: 'oms-1', orderId: 'WEB-5001', status: 'READY', storeId: '0101', customer: { email: 'hanako@example.jp' }, time: '2026-05-02T03:00:00Z', items: [{ sku: 'COAT-M', quantity: 1 }] }

describe('clickAndCollectFeed', () => {
  it('publishes ready-for-pickup and picked-up from a signed OMS webhook', async () => {
    const t = await start()
    try {
      const a = await t.send(ready)
      const b = await t.send([{ orderId: 'WEB-5001', status: 'COLLECTED', storeId: '0101', customer: { email: 'hanako@example.jp' }, time: '2026-05-02T06:00:00Z' }])
      expect([a.status, b.status]).toEqual([200, 200])
      await t.hub.drain()
      expect(t.events.map((e) => [e.type, e.storeId, e.time, e.data])).toEqual([
        ['order.ready_for_pickup', 'shibuya', '2026-05-02T03:00:00.000Z', { orderId: 'WEB-5001', pickupStoreId: 'shibuya', items: [{ sku: 'COAT-M', quantity: 1 }] }],
        ['order.picked_up', 'shibuya', '2026-05-02T06:00:00.000Z', { orderId: 'WEB-5001' }],
      ])
    } finally {
      await t.close()
    }
  })

  it('refuses a forged body and applies a redelivery once', async () => {
    const t = await start()
    try {
      const forged = await t.send(ready, createHmac('sha256', 'guess-guess-guess-guess').update(JSON.stringify(ready)).digest('hex'))
      expect(forged.status).toBe(401)
      await t.send(ready)
      const again = await t.send(ready)
      expect(again.json).toMatchObject({ accepted: 0, duplicates: 1 })
      await t.hub.drain()
      expect(t.events).toHaveLength(1)
    } finally {
      await t.close()
    }
  })

  it('publishes the good records of a batch and reports the bad ones by index', async () => {
    const t = await start()
    try {
      const res = await t.send([ready, { orderId: 'X', status: 'READY', customer: {} }, { orderId: 'Y', status: 'SHIPPED', customer: { email: 'a@b.jp' } }])
      expect(res.status).toBe(200)
      expect(res.json['accepted']).toBe(1)
      expect((res.json['errors'] as Array<{ index: number; message: string }>).map((e) => e.index)).toEqual([1, 2])
      expect((res.json['errors'] as Array<{ message: string }>)[1]!.message).toContain('SHIPPED')
    } finally {
      await t.close()
    }
  })
})
