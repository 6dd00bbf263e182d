import { createHub, VirtualClock, type OmoEvent } from '@omotenashi/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErpTokens, erpInventory, sapFeed } from '../index.js'
import { startSapTestServer, type SapTestServer } from '../testing/index.js'

// SAP S/4HANA is not reachable here: the feed talks to a local OData V2 server written from
// SAP's public API documentation (see startSapTestServer), not to an SAP system.

const DAY = 86_400_000
const T0 = Date.parse('2026-05-01T00:00:00Z')
let clock: VirtualClock
let sap: SapTestServer

const stockRow = (material: string, plant: string, sloc: string, qty: string, type = '01') => ({ Material: material, Plant: plant, StorageLocation: sloc, InventoryStockType: type, MatlWrhsStkQtyInMatlBaseUnit: qty, MaterialBaseUnit: 'PC' })
const condition = (record: string, material: string, price: string, changed: number, start = T0 - 30 * DAY, end = Date.parse('9999-12-31T00:00:00Z')) => ({
  ConditionRecord: record,
  ConditionType: 'PPR0',
  ConditionRateValue: price,
  ConditionRateValueUnit: 'JPY',
  LastChangeDateTime: changed,
  validity: [{ Material: material, SalesOrganization: '1010', DistributionChannel: '10', ConditionValidityStartDate: start, ConditionValidityEndDate: end }],
})

beforeEach(async () => {
  clock = new VirtualClock(T0)
  sap = await startSapTestServer({
    username: 'COMM_USER',
    password: 'secret',
    serverPageSize: 2,
    stock: [
      stockRow('MAT-COAT', '1010', '0001', '5.000'),
      stockRow('MAT-COAT', '1010', '0002', '3.000'),
      stockRow('MAT-COAT', '1010', '0001', '7.000', '02'), // quality inspection: not sellable
      stockRow('MAT-SCARF', '1020', '0001', '0.000'),
      stockRow('MAT-SCARF', '9999', '0001', '400.000'), // unmapped plant
    ],
    conditions: [condition('0000000001', 'MAT-COAT', '29000.00', T0 - 10 * DAY), condition('0000000002', 'MAT-SCARF', '4900.00', T0 - 10 * DAY)],
  })
})
afterEach(async () => sap.close())

async function start() {
  const hub = await createHub({
    clock,
    modules: [erpInventory(), sapFeed({ url: sap.url, username: 'COMM_USER', password: 'secret', every: '10m', pageSize: 3, plants: { '1010': 'shibuya', '1020': 'umeda' }, salesOrganization: '1010' })],
  })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => events.push(e))
  await hub.start()
  const feed = hub.get(ErpTokens.SapFeed)
  const poll = async (ms: number) => {
    await clock.advance(ms)
    await feed.idle()
    await hub.drain()
  }
  return { hub, events, feed, poll, inventory: hub.get(ErpTokens.Inventory) }
}

describe('sapFeed', () => {
  it('reads unrestricted stock per plant and valid prices, paging both ways', async () => {
    const t = await start()
    try {
      await t.poll(1)
      expect(t.feed.lastReport).toMatchObject({ baseline: true, events: 0 })
      expect((await t.inventory.stock('MAT-COAT', 'shibuya'))?.quantity).toBe(8)
      expect((await t.inventory.stock('MAT-SCARF', 'umeda'))?.quantity).toBe(0)
      expect(await t.inventory.stock('MAT-SCARF', 'x')).toBeUndefined()
      expect((await t.inventory.stock('MAT-COAT', undefined))?.price).toBe(29000)
      const stockCalls = sap.requests.filter((r) => r.entitySet === 'A_MatlStkInAcctMod')
      // client pages of 3 ($top/$skip) split by the server into pages of 2 (__next)
      expect(stockCalls.some((r) => r.query.has('$skiptoken'))).toBe(true)
      expect(stockCalls.some((r) => r.query.get('$skip') === '3')).toBe(true)
      expect(stockCalls[0]!.query.get('$filter')).toBe("(Plant eq '1010' or Plant eq '1020') and (InventoryStockType eq '01')")
    } finally {
      await t.hub.stop()
    }
  })

  it('asks only for condition records changed since the cursor and publishes the changes', async () => {
    const t = await start()
    try {
      await t.poll(1)
      sap.conditions[0] = condition('0000000001', 'MAT-COAT', '24000.00', T0 + 5 * 60_000)
      // A future price is not today's price.
      sap.conditions.push(condition('0000000003', 'MAT-SCARF', '3900.00', T0 + 5 * 60_000, T0 + 30 * DAY))
      sap.stock[0] = stockRow('MAT-COAT', '1010', '0001', '0.000')
      sap.stock[3] = stockRow('MAT-SCARF', '1020', '0001', '12.000')
      await t.poll(10 * 60_000)
      expect(t.events.map((e) => `${e.type} ${e.storeId ?? '-'} ${e.subject}`).sort()).toEqual([
        'catalog.price_changed - MAT-COAT',
        'inventory.back_in_stock umeda MAT-SCARF',
        'inventory.low_stock shibuya MAT-COAT', // 8 → 3: at the threshold
        'inventory.stock_changed shibuya MAT-COAT',
        'inventory.stock_changed umeda MAT-SCARF',
      ])
      expect(t.events.find((e) => e.type === 'catalog.price_changed')).toMatchObject({ time: new Date(T0 + 5 * 60_000).toISOString(), data: { oldPrice: 29000, newPrice: 24000, currency: 'JPY' } })
      const priceCalls = sap.requests.filter((r) => r.entitySet === 'A_SlsPrcgConditionRecord')
      expect(priceCalls[0]!.query.get('$filter')).toBe("ConditionType eq 'PPR0'")
      const cursorFilter = priceCalls[priceCalls.length - 1]!.query.get('$filter')
      expect(cursorFilter).toBe(`ConditionType eq 'PPR0' and LastChangeDateTime ge datetimeoffset'${new Date(T0 - 10 * DAY - 120_000).toISOString().slice(0, 19)}Z'`)
      expect(priceCalls[priceCalls.length - 1]!.query.get('$expand')).toBe('to_SlsPrcgCndnRecdValidity')

      // The next poll's cursor moved past the records already seen.
      await t.poll(10 * 60_000)
      const last = sap.requests.filter((r) => r.entitySet === 'A_SlsPrcgConditionRecord').pop()!
      expect(last.query.get('$filter')).toContain(`ge datetimeoffset'${new Date(T0 + 3 * 60_000).toISOString().slice(0, 19)}Z'`)
      expect(t.events).toHaveLength(5) // nothing new
    } finally {
      await t.hub.stop()
    }
  })

  it('fails the run on wrong credentials', async () => {
    const hub = await createHub({ clock, modules: [sapFeed({ url: sap.url, username: 'COMM_USER', password: 'nope', plants: { '1010': 'shibuya' } })] })
    await hub.start()
    try {
      await expect(hub.get(ErpTokens.SapFeed).runOnce()).rejects.toThrow(/HTTP 401/)
    } finally {
      await hub.stop()
    }
  })
})
