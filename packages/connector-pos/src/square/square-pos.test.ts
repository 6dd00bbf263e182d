import { describe, expect, it, beforeAll, afterAll } from 'vitest'
import { PosTokens, squarePos } from '../index.js'
import { hubWith, post, signSquare, squareSchemaValidator, startSquareTestServer, type SquareTestServer } from '../testing/index.js'

const KEY = 'sq-signature-key-test'
const NOTIFY = 'https://hub.example.jp/webhooks/square'
const TOKEN = 'EAAA-test-token'
// The monorepo keeps the official spec beside the checkout (CI too); referenced, never copied.
const SQUARE_SPEC = new URL('../../../../../shared/contracts/square/api.json', import.meta.url).pathname
const validate = squareSchemaValidator(SQUARE_SPEC)

/** Every body the tests send or serve is checked against Square's own OpenAPI schemas first. */
function valid<T>(schema: string, value: T): T {
  expect(validate(schema, value), `${schema} fixture must match the Square spec`).toEqual([])
  return value
}

const order = valid('Order', {
  id: 'ORDER-1',
  location_id: 'L-SHIBUYA',
  customer_id: 'SQ-CUST-1',
  state: 'COMPLETED',
  created_at: '2026-03-01T01:00:00Z',
  closed_at: '2026-03-01T01:02:03Z',
  line_items: [
    { uid: 'li1', name: 'Linen shirt', variation_name: 'M', quantity: '2', catalog_object_id: 'SKU-SHIRT-M', base_price_money: { amount: 4900, currency: 'JPY' }, total_money: { amount: 9800, currency: 'JPY' } },
    { uid: 'li2', name: 'Socks', quantity: '1', catalog_object_id: 'SKU-SOCKS', base_price_money: { amount: 800, currency: 'JPY' }, total_money: { amount: 800, currency: 'JPY' } },
  ],
  total_money: { amount: 10600, currency: 'JPY' },
})

function payment(type: 'payment.created' | 'payment.updated', eventId: string, status = 'COMPLETED', orderId = 'ORDER-1') {
  return valid(type === 'payment.created' ? 'PaymentCreatedEvent' : 'PaymentUpdatedEvent', {
    merchant_id: 'M-1',
    type,
    event_id: eventId,
    created_at: '2026-03-01T01:02:05Z',
    data: {
      type: 'payment',
      id: `PAY-${orderId}`,
      object: {
        payment: {
          id: `PAY-${orderId}`,
          status,
          order_id: orderId,
          customer_id: 'SQ-CUST-1',
          location_id: 'L-SHIBUYA',
          source_type: 'CARD',
          amount_money: { amount: 10600, currency: 'JPY' },
          total_money: { amount: 10600, currency: 'JPY' },
          created_at: '2026-03-01T01:02:00Z',
          updated_at: '2026-03-01T01:02:04Z',
        },
      },
    },
  })
}

let api: SquareTestServer
beforeAll(async () => {
  api = await startSquareTestServer({ accessToken: TOKEN, orders: { 'ORDER-1': order } })
})
afterAll(async () => api.close())

const module = (extra: Record<string, unknown> = {}) =>
  squarePos({ signatureKey: KEY, notificationUrl: NOTIFY, accessToken: TOKEN, apiBaseUrl: api.url, locations: { 'L-SHIBUYA': 'shibuya' }, ...extra })

async function send(url: string, body: unknown, signature?: string) {
  const text = JSON.stringify(body)
  return post(`${url}/webhooks/square`, text, { 'x-square-hmacsha256-signature': signature ?? signSquare(text, KEY, NOTIFY) })
}

describe('squarePos', () => {
  it('turns a signed completed payment into a purchase with the order lines, customer and store', async () => {
    const t = await hubWith(module())
    try {
      const res = await send(t.server.url, payment('payment.updated', 'evt-1'))
      expect(res.status).toBe(200)
      await t.hub.drain()
      const purchases = t.events.filter((e) => e.type === 'pos.purchased')
      expect(purchases).toHaveLength(1)
      const p = purchases[0]!
      expect(p.id).toBe('square:purchase:ORDER-1')
      expect(p.storeId).toBe('shibuya')
      expect(p.identity).toEqual({ posCustomerId: 'SQ-CUST-1' })
      expect(p.time).toBe('2026-03-01T01:02:03.000Z')
      expect(p.data).toMatchObject({
        transactionId: 'ORDER-1',
        total: 10600,
        currency: 'JPY',
        paymentMethod: 'card',
        items: [
          { sku: 'SKU-SHIRT-M', name: 'Linen shirt M', quantity: 2, unitPrice: 4900 },
          { sku: 'SKU-SOCKS', name: 'Socks', quantity: 1, unitPrice: 800 },
        ],
      })
    } finally {
      await t.close()
    }
  })

  it('publishes a purchase from order.updated (COMPLETED) too, and ignores open orders', async () => {
    const t = await hubWith(module())
    try {
      const updated = (eventId: string, state: string) =>
        valid('OrderUpdatedEvent', {
          merchant_id: 'M-1',
          type: 'order.updated',
          event_id: eventId,
          created_at: '2026-03-01T01:03:00Z',
          data: { type: 'order_updated', id: 'ORDER-1', object: { order_updated: { order_id: 'ORDER-1', location_id: 'L-SHIBUYA', state, version: 3, created_at: '2026-03-01T01:00:00Z', updated_at: '2026-03-01T01:03:00Z' } } },
        })
      const open = await send(t.server.url, updated('evt-open', 'OPEN'))
      const done = await send(t.server.url, updated('evt-done', 'COMPLETED'))
      expect(open.json).toMatchObject({ status: 'ignored', reason: 'order state OPEN' })
      expect(done.json).toMatchObject({ status: 'accepted', accepted: 1 })
      await t.hub.drain()
      expect(t.events.map((e) => e.id)).toEqual(['square:purchase:ORDER-1'])
    } finally {
      await t.close()
    }
  })

  it('refuses forged deliveries: wrong key, tampered body, or a signature for another URL', async () => {
    const t = await hubWith(module())
    try {
      const body = payment('payment.updated', 'evt-forged')
      const text = JSON.stringify(body)
      const wrongKey = await send(t.server.url, body, signSquare(text, 'not-the-key', NOTIFY))
      const otherUrl = await send(t.server.url, body, signSquare(text, KEY, 'https://evil.example/webhooks/square'))
      const tampered = await post(`${t.server.url}/webhooks/square`, text.replace('"status":"COMPLETED"', '"status":"COMPLETED" '), {
        'x-square-hmacsha256-signature': signSquare(text, KEY, NOTIFY),
      })
      const missing = await post(`${t.server.url}/webhooks/square`, text, {})
      expect([wrongKey.status, otherUrl.status, tampered.status, missing.status]).toEqual([401, 401, 401, 401])
      await t.hub.drain()
      expect(t.events).toHaveLength(0)
      const health = await t.hub.get(PosTokens.SquarePos).health()
      expect(health.counters?.['forged']).toBe(4)
    } finally {
      await t.close()
    }
  })

  it('applies a duplicate delivery once, and one sale announced by several notifications once', async () => {
    const t = await hubWith(module())
    try {
      const first = await send(t.server.url, payment('payment.created', 'evt-a'))
      const again = await send(t.server.url, payment('payment.created', 'evt-a'))
      const update = await send(t.server.url, payment('payment.updated', 'evt-b'))
      // Concurrent redeliveries of one event collapse into one too.
      const [c1, c2] = await Promise.all([send(t.server.url, payment('payment.updated', 'evt-c')), send(t.server.url, payment('payment.updated', 'evt-c'))])
      expect(first.json['status']).toBe('accepted')
      expect(again.json['status']).toBe('duplicate')
      expect(update.json['status']).toBe('ignored')
      expect([c1.json['status'], c2.json['status']].sort()).toEqual(['duplicate', 'ignored'])
      await t.hub.drain()
      expect(t.events.filter((e) => e.type === 'pos.purchased')).toHaveLength(1)
    } finally {
      await t.close()
    }
  })

  it('keeps the newest customer when updates arrive out of order, linking POS id, email and phone', async () => {
    const t = await hubWith(module())
    try {
      const customer = (eventId: string, version: number, name: string) =>
        valid('CustomerUpdatedEvent', {
          merchant_id: 'M-1',
          type: 'customer.updated',
          event_id: eventId,
          created_at: '2026-03-02T00:00:00Z',
          data: {
            type: 'customer',
            id: 'SQ-CUST-1',
            object: { customer: { id: 'SQ-CUST-1', given_name: name, email_address: 'hanako@example.jp', phone_number: '+81312345678', reference_id: 'L-1001', version, updated_at: `2026-03-0${version}T00:00:00Z` } },
          },
        })
      await send(t.server.url, customer('evt-v3', 3, 'Hanako'))
      const late = await send(t.server.url, customer('evt-v2', 2, 'Old name'))
      expect(late.json).toMatchObject({ status: 'ignored', reason: 'stale customer version' })
      await t.hub.drain()
      const traits = t.events.filter((e) => e.type === 'profile.traits_updated')
      expect(traits).toHaveLength(1)
      expect(traits[0]!.identity).toEqual({ posCustomerId: 'SQ-CUST-1', email: 'hanako@example.jp', phone: '+81312345678', loyaltyId: 'L-1001' })
      expect(traits[0]!.data).toEqual({ traits: { givenName: 'Hanako' } })
    } finally {
      await t.close()
    }
  })

  it('maps an itemised refund to pos.returned and stock counts to inventory.stock_changed', async () => {
    api.orders.set(
      'RETURN-1',
      valid('Order', {
        id: 'RETURN-1',
        location_id: 'L-SHIBUYA',
        customer_id: 'SQ-CUST-1',
        state: 'COMPLETED',
        returns: [{ source_order_id: 'ORDER-1', return_line_items: [{ uid: 'r1', name: 'Socks', quantity: '1', catalog_object_id: 'SKU-SOCKS', base_price_money: { amount: 800, currency: 'JPY' } }] }],
        total_money: { amount: 0, currency: 'JPY' },
      }),
    )
    const t = await hubWith(module())
    try {
      const refund = valid('RefundUpdatedEvent', {
        merchant_id: 'M-1',
        type: 'refund.updated',
        event_id: 'evt-refund',
        created_at: '2026-03-03T00:00:00Z',
        data: { type: 'refund', id: 'REF-1', object: { refund: { id: 'REF-1', status: 'COMPLETED', order_id: 'RETURN-1', location_id: 'L-SHIBUYA', amount_money: { amount: 800, currency: 'JPY' }, updated_at: '2026-03-03T00:00:00Z' } } },
      })
      const inventory = valid('InventoryCountUpdatedEvent', {
        merchant_id: 'M-1',
        type: 'inventory.count.updated',
        event_id: 'evt-inv',
        created_at: '2026-03-03T00:00:00Z',
        data: { type: 'inventory_counts', id: 'x', object: { inventory_counts: [{ catalog_object_id: 'SKU-SOCKS', catalog_object_type: 'ITEM_VARIATION', state: 'IN_STOCK', location_id: 'L-SHIBUYA', quantity: '7', calculated_at: '2026-03-03T00:00:01Z' }] } },
      })
      expect((await send(t.server.url, refund)).status).toBe(200)
      expect((await send(t.server.url, inventory)).status).toBe(200)
      await t.hub.drain()
      const returned = t.events.find((e) => e.type === 'pos.returned')
      expect(returned?.data).toMatchObject({ transactionId: 'REF-1', originalTransactionId: 'ORDER-1', items: [{ sku: 'SKU-SOCKS', quantity: 1, unitPrice: 800 }], total: 800 })
      const stock = t.events.find((e) => e.type === 'inventory.stock_changed')
      expect(stock).toMatchObject({ storeId: 'shibuya', data: { sku: 'SKU-SOCKS', quantity: 7 } })
    } finally {
      await t.close()
    }
  })

  it('answers 502 when the order cannot be fetched, and processes the retry', async () => {
    const t = await hubWith(module())
    try {
      const res = await send(t.server.url, payment('payment.updated', 'evt-missing', 'COMPLETED', 'ORDER-LATER'))
      expect(res.status).toBe(502)
      api.orders.set('ORDER-LATER', { ...order, id: 'ORDER-LATER' })
      const retry = await send(t.server.url, payment('payment.updated', 'evt-missing', 'COMPLETED', 'ORDER-LATER'))
      expect(retry.json['status']).toBe('accepted')
      await t.hub.drain()
      expect(t.events.map((e) => e.id)).toEqual(['square:purchase:ORDER-LATER'])
    } finally {
      await t.close()
    }
  })

  it('runs the mapping hook for custom fields and skips what it returns null for', async () => {
    const t = await hubWith(
      module({
        map: (event: { type: string; data?: Record<string, unknown> }, raw: { order?: { id: string } }) =>
          event.type === 'inventory.stock_changed' ? null : { ...event, data: { ...event.data, squareOrder: raw.order?.id, channel: 'store' } },
      }),
    )
    try {
      await send(t.server.url, payment('payment.updated', 'evt-hook'))
      await t.hub.drain()
      expect(t.events[0]?.data).toMatchObject({ squareOrder: 'ORDER-1', channel: 'store' })
    } finally {
      await t.close()
    }
  })

  it('has a contract check that catches bodies breaking the Square spec', () => {
    expect(validate('Order', { location_id: 5, line_items: [{ name: 'x' }] }).length).toBeGreaterThanOrEqual(2)
    expect(validate('PaymentUpdatedEvent', { event_id: 1, data: { object: { payment: { amount_money: { amount: 'ten' } } } } })).not.toEqual([])
  })

  it('names the bad option', () => {
    expect(() => squarePos({ signatureKey: '', notificationUrl: 'not a url' })).toThrow(/signatureKey.*notificationUrl|notificationUrl.*signatureKey/s)
  })
})
