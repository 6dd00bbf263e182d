import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHub, VirtualClock, type OmoEvent } from '@omotenashi/core'
import iconv from 'iconv-lite'
import { ContainerModule } from 'inversify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErpTokens, erpCsvFeed, erpInventory, FileFeedStateStore, parseSnapshotCsv } from '../index.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omotenashi-erp-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

let fileTime = Date.parse('2026-05-01T00:00:00Z')
async function drop(name: string, text: string | Buffer): Promise<void> {
  const path = join(dir, name)
  await writeFile(path, text)
  fileTime += 60_000
  await utimes(path, new Date(fileTime), new Date(fileTime))
}

async function start(extra: ContainerModule[] = [], options: Record<string, unknown> = {}) {
  const clock = new VirtualClock('2026-05-01T00:00:00Z')
  const hub = await createHub({ clock, modules: [erpInventory(), erpCsvFeed({ dir, every: '5m', stores: { S01: 'shibuya', S02: 'umeda' }, ...options }), ...extra] })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => events.push(e))
  await hub.start()
  return { hub, clock, events, feed: hub.get(ErpTokens.CsvFeed), inventory: hub.get(ErpTokens.Inventory) }
}

describe('erpCsvFeed', () => {
  it('takes the first file as the baseline, then publishes only what the next file changed', async () => {
    await drop('stock-0900.csv', 'sku,store,quantity,price\nCOAT,S01,8,29000\nCOAT,S02,0,29000\nSCARF,S01,5,4900\nHAT,S01,2,3900\n')
    const t = await start()
    try {
      await t.clock.advance(1)
      await t.feed.idle()
      await t.hub.drain()
      expect(t.feed.lastReport).toMatchObject({ rows: 4, baseline: true, events: 0 })
      expect(t.events).toHaveLength(0)
      expect((await t.inventory.stock('COAT', 'shibuya'))?.quantity).toBe(8)

      await drop('stock-1000.csv', 'sku,store,quantity,price\nCOAT,S01,2,24000\nCOAT,S02,3,24000\nSCARF,S01,5,4900\nHAT,S01,2,3900\n')
      await t.clock.advance(4 * 60_000)
      expect(t.events).toHaveLength(0) // the next poll is 5 minutes after the first
      await t.clock.advance(60_000)
      await t.feed.idle()
      await t.hub.drain()
      expect(t.events.map((e) => `${e.type} ${e.storeId} ${e.subject}`).sort()).toEqual([
        'catalog.price_changed shibuya COAT',
        'catalog.price_changed umeda COAT',
        'inventory.back_in_stock umeda COAT',
        'inventory.low_stock shibuya COAT',
        'inventory.stock_changed shibuya COAT',
        'inventory.stock_changed umeda COAT',
      ])
      expect(t.events.find((e) => e.type === 'catalog.price_changed')?.data).toEqual({ sku: 'COAT', oldPrice: 29000, newPrice: 24000, currency: 'JPY' })
      expect(t.events[0]!.time).toBe(new Date(fileTime).toISOString())
      expect(await t.inventory.availability('COAT', 'umeda')).toMatchObject({ inStore: 3, offer: 'in_store' })

      // Nothing new in the directory: nothing published.
      await t.clock.advance(5 * 60_000)
      await t.feed.idle()
      await t.hub.drain()
      expect(t.events).toHaveLength(6)
    } finally {
      await t.hub.stop()
    }
  })

  it('reads Shift_JIS snapshots with Japanese headers and reports bad rows by line', async () => {
    const csv = '品番,店舗,在庫数,売価\r\nタオル-01,S01,10,1200\r\n,S01,3,100\r\nタオル-02,S01,たくさん,900\r\nタオル-03,S01,4,"1,980"\r\n'
    const parsed = parseSnapshotCsv(iconv.encode(csv, 'Shift_JIS'), { encoding: 'shift_jis', columns: { sku: '品番', storeId: '店舗', quantity: '在庫数', price: '売価' }, stores: { S01: 'shibuya' } })
    expect(parsed.rows).toBe(4)
    expect(parsed.errors).toEqual([
      { line: 3, message: '品番 is empty' },
      { line: 4, message: '在庫数 is not a number: "たくさん"' },
    ])
    expect([...parsed.snapshot]).toEqual([
      ['shibuya\u0000タオル-01', { quantity: 10, price: 1200 }],
      ['shibuya\u0000タオル-03', { quantity: 4, price: 1980 }],
    ])
  })

  it('diffs against the state persisted by the previous process', async () => {
    const stateDir = join(dir, '.state')
    const persisted = (): ContainerModule => new ContainerModule((m) => void m.bind(ErpTokens.FeedState).toConstantValue(new FileFeedStateStore(stateDir)))
    await drop('a.csv', 'sku,store,quantity\nCOAT,S01,8\n')
    const first = await start([persisted()])
    await first.clock.advance(1)
    await first.feed.idle()
    await first.hub.drain()
    await first.hub.stop()
    expect(first.events).toHaveLength(0)

    await drop('b.csv', 'sku,store,quantity\nCOAT,S01,1\n')
    const second = await start([persisted()])
    try {
      await second.clock.advance(1)
      await second.feed.idle()
      await second.hub.drain()
      // a.csv is remembered as read; b.csv is diffed against a.csv's state.
      expect(second.feed.lastReport).toMatchObject({ baseline: false, rows: 1 })
      expect(second.events.map((e) => e.type)).toEqual(['inventory.stock_changed', 'inventory.low_stock'])
    } finally {
      await second.hub.stop()
    }
  })

  it('moves imported files aside when asked', async () => {
    await drop('a.csv', 'sku,store,quantity\nCOAT,S01,8\n')
    const t = await start([], { moveImported: true })
    try {
      await t.clock.advance(1)
      await t.feed.idle()
      await t.hub.drain()
      expect(await readdir(dir)).toEqual(['imported'])
      expect(await readdir(join(dir, 'imported'))).toEqual(['a.csv'])
    } finally {
      await t.hub.stop()
    }
  })

  it('runs the mapping hook on each event (add fields, drop some)', async () => {
    await drop('a.csv', 'sku,store,quantity,price\nCOAT,S01,8,29000\n')
    const t = await start([], { map: (e: { type: string; data?: Record<string, unknown> }) => (e.type === 'inventory.stock_changed' ? null : { ...e, data: { ...e.data, brand: 'acme' } }) })
    try {
      await t.clock.advance(1)
      await t.feed.idle()
      await drop('b.csv', 'sku,store,quantity,price\nCOAT,S01,2,24000\n')
      await t.clock.advance(5 * 60_000)
      await t.feed.idle()
      await t.hub.drain()
      expect(t.events.map((e) => [e.type, e.data['brand']])).toEqual([
        ['catalog.price_changed', 'acme'],
        ['inventory.low_stock', 'acme'],
      ])
    } finally {
      await t.hub.stop()
    }
  })

  it('names bad options', () => {
    expect(() => erpCsvFeed({ dir: '', every: 'soon' })).toThrow(/dir.*every|every.*dir/s)
  })
})
