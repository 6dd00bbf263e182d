import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PosTokens, smaregiPos, smaregiWindows } from '../index.js'
import { hubWith, post, startSmaregiTestServer, type SmaregiTestServer, type SmaregiTestTransaction } from '../testing/index.js'

// The Smaregi Platform API is not reachable here: these tests run against a local server written
// from Smaregi's public documentation (see startSmaregiTestServer), not against Smaregi itself.

const CONTRACT = 'sb_test01'
const SECRET = 'smaregi-shared-secret'

function tx(id: number, at: string, extra: Partial<SmaregiTestTransaction> = {}): SmaregiTestTransaction {
  return {
    transactionHeadId: String(id),
    transactionDateTime: at,
    terminalTranDateTime: at,
    transactionHeadDivision: '1',
    cancelDivision: '0',
    storeId: '1',
    customerId: '501',
    customerCode: 'MEMBER-501',
    total: '5500',
    details: [
      { transactionDetailId: '1', transactionDetailDivision: '1', productId: '8000001', productCode: '4901234567894', productName: 'ほうじ茶ラテ', salesPrice: '500', quantity: '1' },
      { transactionDetailId: '2', transactionDetailDivision: '1', productId: '8000002', productCode: '4909876543210', productName: '手ぬぐい（藍）', salesPrice: '2500', quantity: '2' },
    ],
    ...extra,
  }
}

let server: SmaregiTestServer
beforeEach(async () => {
  server = await startSmaregiTestServer({ contractId: CONTRACT, clientId: 'client-1', clientSecret: 'secret-1', transactions: [tx(101, '2026-04-01T10:00:00+09:00')] })
})
afterEach(async () => server.close())

const module = (extra: Record<string, unknown> = {}) =>
  smaregiPos({
    contractId: CONTRACT,
    clientId: 'client-1',
    clientSecret: 'secret-1',
    webhookSecret: SECRET,
    idBaseUrl: server.idBaseUrl,
    apiBaseUrl: server.apiBaseUrl,
    locations: { '1': 'ginza' },
    maxRequestsPerSecond: 200,
    ...extra,
  })

function webhook(url: string, ids: string[], secret = SECRET, eventId = 'e-1') {
  const body = JSON.stringify({ contractId: CONTRACT, event: 'pos:transactions', action: 'created', transactionHeadIds: ids })
  return post(`${url}/webhooks/smaregi`, body, { 'x-smaregi-webhook-secret': secret, 'smaregi-event': 'pos:transactions', 'smaregi-event-id': eventId, 'smaregi-contract-id': CONTRACT })
}

describe('smaregiPos', () => {
  it('fetches the transaction a webhook names (OAuth2 client credentials) and publishes the purchase', async () => {
    const t = await hubWith(module())
    try {
      const res = await webhook(t.server.url, ['101'])
      expect(res.status).toBe(200)
      await t.hub.drain()
      expect(server.tokensIssued()).toBe(1)
      expect(t.events).toHaveLength(1)
      expect(t.events[0]).toMatchObject({
        id: 'smaregi:purchase:101',
        type: 'pos.purchased',
        storeId: 'ginza',
        time: '2026-04-01T01:00:00.000Z',
        identity: { posCustomerId: '501', loyaltyId: 'MEMBER-501' },
        data: { transactionId: '101', total: 5500, currency: 'JPY', items: [{ sku: '4901234567894', name: 'ほうじ茶ラテ', quantity: 1, unitPrice: 500 }, { sku: '4909876543210', name: '手ぬぐい（藍）', quantity: 2, unitPrice: 2500 }] },
      })
    } finally {
      await t.close()
    }
  })

  it('refuses a wrong or missing shared secret, and a webhook for another contract', async () => {
    const t = await hubWith(module())
    try {
      const wrong = await webhook(t.server.url, ['101'], 'guess')
      const missing = await post(`${t.server.url}/webhooks/smaregi`, JSON.stringify({ contractId: CONTRACT, event: 'pos:transactions', action: 'created', transactionHeadIds: ['101'] }), {})
      const other = await post(`${t.server.url}/webhooks/smaregi`, JSON.stringify({ contractId: 'someone-else', event: 'pos:transactions', action: 'created', transactionHeadIds: ['101'] }), { 'x-smaregi-webhook-secret': SECRET })
      expect([wrong.status, missing.status, other.status]).toEqual([401, 401, 401])
      await t.hub.drain()
      expect(t.events).toHaveLength(0)
      expect(server.log).toHaveLength(0)
    } finally {
      await t.close()
    }
  })

  it('applies a duplicate delivery once, and a transaction named by two webhooks once', async () => {
    const t = await hubWith(module())
    try {
      const a = await webhook(t.server.url, ['101'], SECRET, 'e-1')
      const b = await webhook(t.server.url, ['101'], SECRET, 'e-1')
      const c = await webhook(t.server.url, ['101'], SECRET, 'e-2')
      expect([a.json['status'], b.json['status']]).toEqual(['accepted', 'duplicate'])
      expect(c.json).toMatchObject({ status: 'accepted', accepted: 0 })
      await t.hub.drain()
      expect(t.events).toHaveLength(1)
      expect(server.log.filter((l) => l.path.endsWith('/transactions/101'))).toHaveLength(1)
    } finally {
      await t.close()
    }
  })

  it('maps returned lines to pos.returned and skips cancelled transactions', async () => {
    server.transactions.set('102', tx(102, '2026-04-02T12:00:00+09:00', { total: '-2500', details: [{ transactionDetailId: '1', transactionDetailDivision: '2', productCode: '4909876543210', productName: '手ぬぐい（藍）', salesPrice: '2500', quantity: '-1' }] }))
    server.transactions.set('103', tx(103, '2026-04-02T13:00:00+09:00', { cancelDivision: '1' }))
    const t = await hubWith(module())
    try {
      await webhook(t.server.url, ['102', '103'])
      await t.hub.drain()
      expect(t.events.map((e) => [e.type, e.id])).toEqual([['pos.returned', 'smaregi:return:102']])
      expect(t.events[0]!.data).toMatchObject({ items: [{ sku: '4909876543210', quantity: 1, unitPrice: 2500 }], total: 2500 })
    } finally {
      await t.close()
    }
  })

  it('backfills through 31-day windows and pages, retrying 429 and 503 and renewing a revoked token', async () => {
    // 70 days of transactions, one every 2 days, listed 3 per page.
    for (let i = 0; i < 35; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i * 2 * 86_400_000 + 3_600_000).toISOString().replace('.000Z', '+00:00')
      server.transactions.set(String(200 + i), tx(200 + i, at))
    }
    const t = await hubWith(module({ pageSize: 3 }))
    try {
      const connector = t.hub.get(PosTokens.SmaregiPos)
      server.failNext(1, 429)
      const first = connector.backfill(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-20T00:00:00Z'))
      const firstReport = await first
      expect(firstReport.transactions).toBe(10)
      server.revokeTokens()
      server.failNext(1, 503)
      const report = await connector.backfill(new Date('2026-01-01T00:00:00Z'), new Date('2026-03-12T00:00:00Z'))
      expect(report).toMatchObject({ transactions: 35, duplicates: 10, accepted: 25, rejected: 0 })
      await t.hub.drain()
      expect(new Set(t.events.map((e) => e.id)).size).toBe(35)
      expect(server.tokensIssued()).toBe(2)
      const listed = server.log.filter((l) => l.path.endsWith('/transactions') && l.status === 200)
      for (const call of listed) {
        const span = Date.parse(call.query.get('transaction_date_time-to')!) - Date.parse(call.query.get('transaction_date_time-from')!)
        expect(span).toBeLessThanOrEqual(31 * 86_400_000)
        expect(call.query.get('limit')).toBe('3')
      }
      // 70 days → 3 windows (Jan 1, Feb 1, Mar 4; the first backfill's window also starts Jan 1); pages of 3 → several pages per window.
      expect([...new Set(listed.map((l) => l.query.get('transaction_date_time-from')))]).toEqual(['2026-01-01T09:00:00+09:00', '2026-02-01T09:00:00+09:00', '2026-03-04T09:00:00+09:00'])
      expect(Math.max(...listed.map((l) => Number(l.query.get('page'))))).toBeGreaterThan(3)
      expect(server.log.some((l) => l.status === 429)).toBe(true)
      expect(server.log.some((l) => l.status === 503)).toBe(true)
      expect(server.log.some((l) => l.status === 401)).toBe(true)
    } finally {
      await t.close()
    }
  })

  it('keeps under a server rate limit by honouring Retry-After', async () => {
    await server.close()
    server = await startSmaregiTestServer({ contractId: CONTRACT, clientId: 'client-1', clientSecret: 'secret-1', rateLimit: { requests: 3, windowMs: 1000 } })
    for (let i = 0; i < 5; i++) server.transactions.set(String(300 + i), tx(300 + i, '2026-04-01T10:00:00+09:00'))
    const t = await hubWith(module())
    try {
      const res = await webhook(t.server.url, ['300', '301', '302', '303', '304'])
      expect(res.status).toBe(200)
      await t.hub.drain()
      expect(t.events).toHaveLength(5)
      expect(server.log.some((l) => l.status === 429)).toBe(true)
    } finally {
      await t.close()
    }
  })

  it('splits periods into windows of at most 31 days', () => {
    const w = smaregiWindows(new Date('2026-01-01T00:00:00Z'), new Date('2026-03-15T00:00:00Z'))
    expect(w).toHaveLength(3)
    expect(w[0]!.to.toISOString()).toBe('2026-02-01T00:00:00.000Z')
    expect(w[2]!.to.toISOString()).toBe('2026-03-15T00:00:00.000Z')
  })
})
