import { describe, expect, it } from 'vitest'
import { shopifyPos } from '../index.js'
import { hubWith, post, signShopify } from '../testing/index.js'

const SECRET = 'shpss_test_secret'

// A REST Admin API order as Shopify sends it in orders/create (fields from Shopify's webhook reference).
function order(id: number, source = 'pos') {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    created_at: '2026-03-05T11:00:00+09:00',
    processed_at: '2026-03-05T10:59:30+09:00',
    source_name: source,
    location_id: source === 'pos' ? 655441491 : null,
    currency: 'JPY',
    total_price: '12100.00',
    customer: { id: 207119551, email: 'taro@example.jp', phone: '+81901234567', first_name: 'Taro' },
    line_items: [
      { id: 1, sku: 'COAT-NAVY-M', title: 'Wool coat', variant_title: 'Navy / M', variant_id: 9, quantity: 1, price: '11000.00' },
      { id: 2, sku: '', title: 'Gift wrap', variant_title: null, variant_id: 77, quantity: 1, price: '1100.00' },
    ],
  }
}

async function deliver(url: string, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body)
  return post(`${url}/webhooks/shopify`, text, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-hmac-sha256': signShopify(text, SECRET),
    'x-shopify-webhook-id': `wh-${(body as { id: number }).id}`,
    ...headers,
  })
}

describe('shopifyPos', () => {
  it('publishes a signed POS order as a purchase at the mapped store', async () => {
    const t = await hubWith(shopifyPos({ secret: SECRET, locations: { '655441491': 'umeda' } }))
    try {
      const res = await deliver(t.server.url, order(1001))
      expect(res.status).toBe(200)
      await t.hub.drain()
      expect(t.events).toHaveLength(1)
      expect(t.events[0]).toMatchObject({
        id: 'shopify:order:1001',
        type: 'pos.purchased',
        storeId: 'umeda',
        time: '2026-03-05T01:59:30.000Z',
        identity: { posCustomerId: '207119551', email: 'taro@example.jp', phone: '+81901234567' },
        data: { transactionId: '1001', total: 12100, currency: 'JPY', items: [{ sku: 'COAT-NAVY-M', name: 'Wool coat Navy / M', quantity: 1, unitPrice: 11000 }, { sku: '77', quantity: 1, unitPrice: 1100 }] },
      })
    } finally {
      await t.close()
    }
  })

  it('refuses a forged or tampered delivery', async () => {
    const t = await hubWith(shopifyPos({ secret: SECRET }))
    try {
      const text = JSON.stringify(order(1002))
      const forged = await post(`${t.server.url}/webhooks/shopify`, text, { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': signShopify(text, 'other-secret') })
      const tampered = await post(`${t.server.url}/webhooks/shopify`, text.replace('12100.00', '1.00'), { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': signShopify(text, SECRET) })
      expect([forged.status, tampered.status]).toEqual([401, 401])
      await t.hub.drain()
      expect(t.events).toHaveLength(0)
    } finally {
      await t.close()
    }
  })

  it('applies a redelivery with the same X-Shopify-Webhook-Id once', async () => {
    const t = await hubWith(shopifyPos({ secret: SECRET }))
    try {
      const a = await deliver(t.server.url, order(1003))
      const b = await deliver(t.server.url, order(1003))
      expect([a.json['status'], b.json['status']]).toEqual(['accepted', 'duplicate'])
      await t.hub.drain()
      expect(t.events).toHaveLength(1)
    } finally {
      await t.close()
    }
  })

  it('publishes late, out-of-order deliveries with their own sale time', async () => {
    const t = await hubWith(shopifyPos({ secret: SECRET }))
    try {
      const later = { ...order(2001), processed_at: '2026-03-06T12:00:00+09:00' }
      const earlier = { ...order(2000), processed_at: '2026-03-04T09:00:00+09:00' }
      await deliver(t.server.url, later)
      await deliver(t.server.url, earlier) // arrives a day late
      await t.hub.drain()
      expect(t.events.map((e) => [e.data['transactionId'], e.time])).toEqual([
        ['2001', '2026-03-06T03:00:00.000Z'],
        ['2000', '2026-03-04T00:00:00.000Z'],
      ])
    } finally {
      await t.close()
    }
  })

  it('ignores online orders unless asked, then publishes them as order.placed', async () => {
    const posOnly = await hubWith(shopifyPos({ secret: SECRET }))
    try {
      const res = await deliver(posOnly.server.url, order(1004, 'web'))
      expect(res.json).toMatchObject({ status: 'ignored', reason: 'not a POS order' })
      await posOnly.hub.drain()
      expect(posOnly.events).toHaveLength(0)
    } finally {
      await posOnly.close()
    }
    const both = await hubWith(shopifyPos({ secret: SECRET, onlineOrders: true }))
    try {
      await deliver(both.server.url, order(1005, 'web'))
      await both.hub.drain()
      expect(both.events[0]).toMatchObject({ type: 'order.placed', source: 'web', data: { orderId: '1005' } })
      expect(both.events[0]!.storeId).toBeUndefined()
    } finally {
      await both.close()
    }
  })
})
