// Story 2 (試着リターゲティング) end to end through real connectors: fitting-room events, POS sales
// from a journal import and a Shopify POS webhook, an online order, then an ERP price file in
// which SKU X drops. profiles() and decisioning() pick the audience; recording channels (the
// core's test channels, shaped like push and LINE) show who was messaged.
import { createHash } from 'node:crypto'
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHub, RecordingChannel, recordingChannel, VirtualClock, type Hub } from '@omotenashi/core'
import { importJournal, PosTokens, shopifyPos } from '@omotenashi/connector-pos'
import { signShopify } from '@omotenashi/connector-pos/testing'
import { decisioning, parseRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErpTokens, erpCsvFeed, erpInventory } from './index.js'

const rules = parseRules(
  `
version: 1
rules:
  - id: try-on-retargeting
    when:
      event: catalog.price_changed
      if: { data.newPrice: { lt: { ref: data.oldPrice } } }
    audience: { interest: tried_on, item: { ref: data.sku }, within: 30d, unless: purchased }
    do: { action: price-drop-on-tried-item }
`,
  { file: 'try-on.yaml' },
)
const actions = [{ id: 'price-drop-on-tried-item', channels: ['push', 'line'], item: { ref: 'data.sku' }, content: { default: { title: '試着した商品が値下がりしました', url: 'https://shop.example.jp/items/{{data.sku}}' } } }]

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omotenashi-tryon-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

async function customer(hub: Hub, loyaltyId: string, via: 'push' | 'line', email: string): Promise<void> {
  const identity = { loyaltyId, email }
  await hub.publish({ type: 'profile.traits_updated', source: 'system', identity, data: { traits: { timeZone: 'Asia/Tokyo', locale: 'ja-JP' } } })
  if (via === 'push') {
    await hub.publish({ type: 'push.token_registered', source: 'app', identity: { loyaltyId }, data: { token: `tok-${loyaltyId}`, platform: 'ios' } })
    await hub.publish({ type: 'consent.changed', source: 'app', identity: { loyaltyId }, data: { channel: 'push', granted: true } })
  } else {
    await hub.publish({ type: 'line.followed', source: 'line', identity: { loyaltyId, lineUserId: `U${createHash('md5').update(loyaltyId).digest('hex')}` }, data: {} })
  }
  await hub.drain()
}

describe('try-on retargeting through the POS and ERP connectors', () => {
  it('messages exactly the customers who tried X on and did not buy it, once the ERP file drops X', async () => {
    const clock = new VirtualClock('2026-03-02T01:00:00Z') // 10:00 in Tokyo
    const channels = { push: new RecordingChannel({ id: 'push', capabilities: { addressKind: 'deviceToken' }, now: () => clock.now() }), line: new RecordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId', rich: true, twoWay: true }, now: () => clock.now() }) }
    const SHOPIFY_SECRET = 'shopify-secret'
    const hub = await createHub({
      clock,
      modules: [
        profiles(),
        decisioning({ rules, actions, policies: { quietHours: { from: '21:00', to: '08:00' } } }),
        recordingChannel(channels.push),
        recordingChannel(channels.line),
        erpInventory(),
        erpCsvFeed({ dir, every: '5m', stores: { S01: 'shibuya' } }),
        shopifyPos({ secret: SHOPIFY_SECRET, onlineOrders: true, locations: { '1': 'umeda' } }),
      ],
    })
    hub.hooks.on('deadletter', (letter) => {
      throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
    })
    await hub.start()
    const feed = hub.get(ErpTokens.CsvFeed)
    const poll = async (ms: number) => {
      await clock.advance(ms)
      await feed.idle()
      await hub.drain()
    }
    try {
      // The ERP's first price file is the baseline.
      const price = async (name: string, x: number) => {
        const path = join(dir, name)
        await writeFile(path, `sku,store,price,quantity\nX,,${x},40\nY,,5000,40\nX,S01,${x},4\n`)
        await utimes(path, new Date(clock.now()), new Date(clock.now()))
      }
      await price('prices-0301.csv', 12000)
      await poll(1)

      // A, B, C, D, E try X on; F tries on Y only.
      const people = { A: 'push', B: 'push', C: 'line', D: 'push', E: 'line', F: 'push' } as const
      for (const [id, via] of Object.entries(people)) await customer(hub, id, via, `${id.toLowerCase()}@example.jp`)
      for (const id of ['A', 'B', 'C', 'D', 'E']) await hub.publish({ type: 'fitting_room.tried_on', source: 'fitting-room', identity: { loyaltyId: id }, storeId: 'shibuya', data: { sku: 'X' } })
      await hub.publish({ type: 'fitting_room.tried_on', source: 'fitting-room', identity: { loyaltyId: 'F' }, storeId: 'shibuya', data: { sku: 'Y' } })
      await hub.drain()
      await clock.advance(30 * 60_000)

      // B buys X at the till (journal import); D buys X at a Shopify POS; E buys X online.
      // A buys only Y, which does not take A out of X's audience.
      const journal = '取引ID,取引日時,店舗,会員番号,商品コード,商品名,数量,単価\nT-1,2026-03-02 10:40,S01,B,X,ウールコート,1,12000\nT-2,2026-03-02 10:45,S01,A,Y,マフラー,1,5000\n'
      const report = await importJournal(Buffer.from(journal), {
        mapping: { columns: { transactionId: '取引ID', time: '取引日時', storeId: '店舗', sku: '商品コード', name: '商品名', quantity: '数量', unitPrice: '単価', customer: { loyaltyId: '会員番号' } }, stores: { S01: 'shibuya' } },
        emit: (e) => hub.publish(e),
      })
      expect(report).toMatchObject({ events: 2, errorCount: 0 })
      const shopify = hub.get(PosTokens.ShopifyPos)
      for (const [orderId, email, source] of [[501, 'd@example.jp', 'pos'], [502, 'e@example.jp', 'web']] as const) {
        const body = JSON.stringify({ id: orderId, source_name: source, location_id: source === 'pos' ? 1 : null, currency: 'JPY', total_price: '12000', created_at: '2026-03-02T10:50:00+09:00', customer: { id: 9000 + orderId, email }, line_items: [{ sku: 'X', title: 'Wool coat', quantity: 1, price: '12000' }] })
        const result = await shopify.handleWebhook({ body: Buffer.from(body), headers: { 'x-shopify-hmac-sha256': signShopify(body, SHOPIFY_SECRET), 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': `wh-${orderId}` } })
        expect(result.status).toBe('accepted')
      }
      await hub.drain()
      expect(channels.push.sent.length + channels.line.sent.length).toBe(0)

      // Next morning the ERP drops X from 12,000 to 9,800 yen. Which run of the feed takes the
      // file depends on timing (one may still be reading the folder when it lands, or two may
      // fall in the next five minutes), so count the events of all of them.
      await clock.advance(60 * 60_000)
      await feed.idle()
      const before = (await feed.health()).counters?.['events'] ?? 0
      await price('prices-0302.csv', 9800)
      await poll(5 * 60_000)
      expect(((await feed.health()).counters?.['events'] ?? 0) - before).toBeGreaterThan(0)

      const chosen = [...channels.push.sent, ...channels.line.sent].map((s) => s.recipient.identifiers['loyaltyId']?.[0]).sort()
      expect(chosen).toEqual(['A', 'C'])
      const message = channels.push.sent[0]!.message
      expect(message.url).toBe('https://shop.example.jp/items/X')
      expect(channels.line.sent.map((s) => s.message.actionId)).toEqual(['price-drop-on-tried-item'])
      // The inventory the decisions read knows the new price and the store stock.
      expect(await hub.get(ErpTokens.Inventory).stock('X', 'shibuya')).toMatchObject({ price: 9800, quantity: 4 })
    } finally {
      await hub.stop()
    }
  })
})
