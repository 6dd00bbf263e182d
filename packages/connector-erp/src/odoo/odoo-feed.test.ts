import { createHub, VirtualClock, type OmoEvent } from '@omotenashi/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErpTokens, erpInventory, odooFeed } from '../index.js'
import { startOdooTestServer, type OdooTestServer } from '../testing/index.js'

// Odoo is not reachable here: the feed talks to a local server written from Odoo 19's
// External JSON-2 API documentation (see startOdooTestServer), not to Odoo itself.

const KEY = 'odoo-api-key-test'
let clock: VirtualClock
let odoo: OdooTestServer

beforeEach(async () => {
  clock = new VirtualClock('2026-05-01T00:00:00Z')
  odoo = await startOdooTestServer({
    apiKey: KEY,
    database: 'shop',
    now: () => clock.now(),
    records: {
      'product.template': [
        { id: 1, name: 'Wool coat', list_price: 29000 },
        { id: 2, name: 'Scarf', list_price: 4900 },
      ],
      'product.product': [
        { id: 11, default_code: 'COAT-M', product_tmpl_id: [1, 'Wool coat'], lst_price: 29000 },
        { id: 12, default_code: 'COAT-L', product_tmpl_id: [1, 'Wool coat'], lst_price: 29000 },
        { id: 21, default_code: 'SCARF', product_tmpl_id: [2, 'Scarf'], lst_price: 4900 },
        { id: 99, default_code: false, product_tmpl_id: [2, 'Scarf'], lst_price: 1 },
      ],
      'stock.quant': [
        { id: 1, product_id: [11, 'Wool coat (M)'], location_id: [8, 'WH/Shibuya'], quantity: 6 },
        { id: 2, product_id: [11, 'Wool coat (M)'], location_id: [9, 'WH/Shibuya/Back'], quantity: 2 },
        { id: 3, product_id: [12, 'Wool coat (L)'], location_id: [8, 'WH/Shibuya'], quantity: 0 },
        { id: 4, product_id: [21, 'Scarf'], location_id: [12, 'WH/Umeda'], quantity: 9 },
        { id: 5, product_id: [21, 'Scarf'], location_id: [1, 'Partners/Vendors'], quantity: 500 },
      ],
    },
  })
})
afterEach(async () => odoo.close())

async function start() {
  const hub = await createHub({
    clock,
    modules: [erpInventory(), odooFeed({ url: odoo.url, apiKey: KEY, database: 'shop', every: '5m', pageSize: 2, locations: { '8': 'shibuya', '9': 'shibuya', '12': 'umeda' } })],
  })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => events.push(e))
  await hub.start()
  const feed = hub.get(ErpTokens.OdooFeed)
  const poll = async (ms: number) => {
    await clock.advance(ms)
    await feed.idle()
    await hub.drain()
  }
  return { hub, events, feed, poll, inventory: hub.get(ErpTokens.Inventory) }
}

describe('odooFeed', () => {
  it('reads stock per store (quants summed over mapped locations) and prices as a baseline', async () => {
    const t = await start()
    try {
      await t.poll(1)
      expect(t.feed.lastReport).toMatchObject({ baseline: true, events: 0 })
      expect(t.events).toHaveLength(0)
      expect((await t.inventory.stock('COAT-M', 'shibuya'))?.quantity).toBe(8)
      expect((await t.inventory.stock('SCARF', 'umeda'))?.quantity).toBe(9)
      expect(await t.inventory.stock('SCARF', undefined)).toMatchObject({ price: 4900 })
      // Paged by id with a page of 2, authenticated, on the JSON-2 endpoint.
      const quantPages = odoo.calls.filter((c) => c.model === 'stock.quant')
      expect(quantPages.length).toBeGreaterThanOrEqual(2)
      expect(quantPages[0]!.body).toMatchObject({ fields: ['id', 'product_id', 'location_id', 'quantity', 'write_date'], limit: 2, order: 'id asc' })
    } finally {
      await t.hub.stop()
    }
  })

  it('then publishes only changes since the cursor: a template price cut, stock falling low, stock back', async () => {
    const t = await start()
    try {
      await t.poll(1)
      await clock.advance(60_000)
      odoo.write('product.template', 1, { list_price: 24000 })
      // Variants' computed price follows the template; their own write_date does not move.
      odoo.models.get('product.product')!.get(11)!['lst_price'] = 24000
      odoo.models.get('product.product')!.get(12)!['lst_price'] = 24000
      odoo.write('stock.quant', 1, { quantity: 1 })
      odoo.write('stock.quant', 3, { quantity: 4 })
      const callsBefore = odoo.calls.length
      await t.poll(5 * 60_000)
      const types = t.events.map((e) => `${e.type} ${e.storeId ?? '-'} ${e.subject}`).sort()
      expect(types).toEqual([
        'catalog.price_changed - COAT-L',
        'catalog.price_changed - COAT-M',
        'inventory.back_in_stock shibuya COAT-L',
        'inventory.low_stock shibuya COAT-M',
        'inventory.stock_changed shibuya COAT-L',
        'inventory.stock_changed shibuya COAT-M',
      ])
      expect(t.events.find((e) => e.subject === 'COAT-M' && e.type === 'inventory.stock_changed')?.data).toEqual({ sku: 'COAT-M', quantity: 3, previousQuantity: 8 })
      // The second poll asked only for what was written since the cursor.
      const pricePoll = odoo.calls.slice(callsBefore).find((c) => c.model === 'product.product' && c.method === 'search_read')!
      expect(pricePoll.body['domain']).toEqual(['|', ['write_date', '>=', '2026-04-30 23:58:00'], ['product_tmpl_id.write_date', '>=', '2026-04-30 23:58:00'], ['id', '>', 0]])
      expect(t.feed.lastReport?.rows).toBeLessThan(9)
      expect((await t.inventory.stock('COAT-M', 'shibuya'))?.quantity).toBe(3)

      // Nothing written since: a poll publishes nothing.
      await t.poll(10 * 60_000)
      expect(t.events).toHaveLength(6)
    } finally {
      await t.hub.stop()
    }
  })

  it('reports a refused API key as a failed run and a degraded connector', async () => {
    const hub = await createHub({ clock, modules: [odooFeed({ url: odoo.url, apiKey: 'wrong', locations: { '8': 'shibuya' } })] })
    await hub.start()
    try {
      const feed = hub.get(ErpTokens.OdooFeed)
      await expect(feed.runOnce()).rejects.toThrow(/HTTP 401/)
      expect((await feed.health()).status).toBe('degraded')
    } finally {
      await hub.stop()
    }
  })

  it('names missing options', () => {
    expect(() => odooFeed({ locations: { '8': 'shibuya' } })).toThrow(/url: is required.*apiKey: is required/s)
    expect(() => odooFeed({ url: 'http://odoo.test', apiKey: 'k', locations: { shibuya: 'x' } })).toThrow(/locations\.shibuya/)
  })
})
