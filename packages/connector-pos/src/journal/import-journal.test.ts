import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { BoundedSet, createHub, VirtualClock, type EventInput, type OmoEvent } from '@omotenashi/core'
import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileCheckpointStore, importJournal, journalImport, journalTime, MemoryCheckpointStore, PosTokens, type JournalMapping } from '../index.js'

const mapping: JournalMapping = {
  columns: {
    transactionId: '取引ID',
    time: '取引日時',
    storeId: '店舗コード',
    sku: '商品コード',
    name: '商品名',
    quantity: '数量',
    unitPrice: '単価',
    kind: '区分',
    customer: { posCustomerId: '会員ID' },
  },
  stores: { '001': 'shibuya' },
}

const HEADER = '取引ID,取引日時,店舗コード,会員ID,商品コード,商品名,数量,単価,区分'

async function collectingHub() {
  const hub = await createHub()
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => events.push(e))
  await hub.start()
  return { hub, events }
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omotenashi-journal-'))
})
afterEach(async () => rm(dir, { recursive: true, force: true }))

describe('importJournal', () => {
  it('imports a Shift_JIS CSV with Japanese product names, even when characters straddle chunks', async () => {
    const csv = [
      HEADER,
      'R-1,2026/01/05 10:15,001,C-1,4901234567894,ほうじ茶ラテ,1,500,売上',
      'R-1,2026/01/05 10:15,001,C-1,4909876543210,手ぬぐい（藍）①,2,"1,200",売上',
      'R-2,2026-01-05 11:00:00,001,C-2,4900000000001,髙島屋コラボ　ハンカチ,1,¥980,売上',
      '',
    ].join('\r\n')
    const bytes = iconv.encode(csv, 'Shift_JIS')
    expect(bytes.includes(Buffer.from('ほうじ茶', 'utf8'))).toBe(false) // really Shift_JIS on disk
    // 5-byte chunks split most double-byte characters in two.
    const chunks: Buffer[] = []
    for (let i = 0; i < bytes.length; i += 5) chunks.push(bytes.subarray(i, i + 5))
    const { hub, events } = await collectingHub()
    const report = await importJournal(Readable.from(chunks), { mapping, encoding: 'shift_jis', emit: (e) => hub.publish(e) })
    await hub.drain()
    expect(report).toMatchObject({ rows: 3, importedRows: 3, events: 2, errorCount: 0 })
    expect(events.map((e) => e.id)).toEqual(['journal:shibuya:R-1', 'journal:shibuya:R-2'])
    expect(events[0]).toMatchObject({ type: 'pos.purchased', storeId: 'shibuya', time: '2026-01-05T01:15:00.000Z', identity: { posCustomerId: 'C-1' } })
    expect(events[0]!.data['items']).toEqual([
      { sku: '4901234567894', name: 'ほうじ茶ラテ', quantity: 1, unitPrice: 500 },
      { sku: '4909876543210', name: '手ぬぐい（藍）①', quantity: 2, unitPrice: 1200 },
    ])
    expect(events[0]!.data['total']).toBe(2900)
    expect((events[1]!.data['items'] as Array<{ name: string }>)[0]!.name).toBe('髙島屋コラボ　ハンカチ')
    await hub.stop()
  })

  it('imports the good rows of a file with bad ones and reports each bad row by line', async () => {
    const long = 'X'.repeat(250)
    const csv = [
      HEADER, // line 1
      'R-1,2026-01-05 10:00,001,C-1,SKU-1,Shirt,1,4900,', // 2 ok
      'R-2,2026-01-05 10:05,001,C-2,,Socks,1,800,', // 3 sku empty
      'R-3,2026-01-05 10:10,001,C-3,SKU-3,Coat,1,abc,', // 4 price not a number
      'R-4,2026-01-05 10:15,001,C-4,SKU-4,Hat,0,3000,', // 5 quantity zero
      'R-5,yesterday,001,C-5,SKU-5,Belt,1,2000,', // 6 bad time
      'R-6,2026-01-05 10:30,001,C-6,SKU-6,Scarf,1,1500,', // 7 ok
      `${long},2026-01-05 10:35,001,C-7,SKU-7,Bag,1,9000,`, // 8 the hub refuses (transactionId too long)
      'R-8,2026-01-05 10:40,001,,SKU-8,Tie,1,2500,', // 9 anonymous
      'R-9,2026-01-05 10:45,001,C-9,SKU-9,Gloves,1,3500,', // 10 ok
    ].join('\n')
    const file = join(dir, 'bad.csv')
    await writeFile(file, csv)
    const { hub, events } = await collectingHub()
    const report = await importJournal(file, { mapping, emit: (e) => hub.publish(e) })
    await hub.drain()
    expect(events.map((e) => e.data['transactionId'])).toEqual(['R-1', 'R-6', 'R-9'])
    expect(report).toMatchObject({ rows: 9, importedRows: 3, events: 3, anonymousRows: 1, errorCount: 5, lastLine: 10 })
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [3, '商品コード'],
      [4, '単価'],
      [5, '数量'],
      [6, '取引日時'],
      [8, undefined],
    ])
    expect(report.errors[1]!.message).toContain('abc')
    expect(report.errors[4]!.message).toMatch(/refused.*data\.transactionId/)
    await hub.stop()
  })

  it('counts lines right across quoted fields that span lines', async () => {
    const csv = [HEADER, 'R-1,2026-01-05 10:00,001,C-1,SKU-1,"Shirt, ""linen""\nwith a note",1,4900,', 'R-2,2026-01-05 10:00,001,C-2,SKU-2,Tie,1,oops,', 'R-3,2026-01-05 10:00,001,C-3,SKU-3,Hat,1,100,'].join('\r\n')
    const out: EventInput[] = []
    const report = await importJournal(Buffer.from(csv), { mapping, emit: async (e) => void out.push(e) })
    expect(report.errors.map((e) => e.line)).toEqual([4])
    expect((out[0]!.data!['items'] as Array<{ name: string }>)[0]!.name).toBe('Shirt, "linen"\nwith a note')
    expect(report.lastLine).toBe(5)
  })

  it('resumes an interrupted import after the last committed line: every sale exactly once', async () => {
    const lines = [HEADER]
    for (let i = 1; i <= 50; i++) for (let j = 0; j < 2; j++) lines.push(`R-${i},2026-01-05 10:00,001,C-${i % 7},SKU-${j},Item,1,100,`)
    const file = join(dir, 'day.csv')
    await writeFile(file, lines.join('\n'))
    const checkpoints = new FileCheckpointStore(join(dir, 'checkpoints'))
    const published: string[] = []
    let crashAt = 23
    const emit = async (e: EventInput) => {
      if (published.length === crashAt) throw new Error('power cut')
      published.push(e.id!)
      return { ok: true, id: e.id! }
    }
    await expect(importJournal(file, { mapping, emit, checkpoints, checkpointEvery: 1 })).rejects.toThrow('power cut')
    expect((await checkpoints.get(file))?.line).toBe(1 + 23 * 2)
    crashAt = -1
    const report = await importJournal(file, { mapping, emit, checkpoints, checkpointEvery: 1 })
    expect(report).toMatchObject({ resumedFrom: 47, resumedRows: 46, importedRows: 54, events: 27, lastLine: 101 })
    expect(published).toHaveLength(50)
    expect(new Set(published).size).toBe(50)
  })

  it('publishes nothing twice when a file is imported again (bounded dedupe by transaction)', async () => {
    const file = join(dir, 'again.csv')
    await writeFile(file, [HEADER, 'R-1,2026-01-05 10:00,001,C-1,SKU-1,Shirt,1,4900,', 'R-2,2026-01-05 10:01,001,C-1,SKU-2,Tie,1,2000,'].join('\n'))
    const dedupe = new BoundedSet(1000)
    const out: EventInput[] = []
    const emit = async (e: EventInput) => void out.push(e)
    await importJournal(file, { mapping, emit, dedupe })
    const second = await importJournal(file, { mapping, emit, dedupe })
    expect(second).toMatchObject({ duplicateRows: 2, events: 0 })
    expect(out).toHaveLength(2)
  })

  it('reads returns by the kind column or a negative quantity, and applies the mapping hook', async () => {
    const csv = [HEADER, 'R-1,2026-01-05 10:00,001,C-1,SKU-1,Shirt,1,4900,返品', 'R-2,2026-01-05 10:00,001,C-1,SKU-2,Tie,-1,2000,', 'R-3,2026-01-05 10:00,001,C-1,SKU-3,Hat,1,1000,'].join('\n')
    const out: EventInput[] = []
    const report = await importJournal(Buffer.from(csv), {
      mapping,
      emit: async (e) => void out.push(e),
      map: (event, raw) => (event.data?.['transactionId'] === 'R-3' ? null : { ...event, data: { ...event.data, register: (raw.rows[0] as string[])[2] } }),
    })
    expect(out.map((e) => [e.type, e.data?.['transactionId'], e.data?.['register']])).toEqual([
      ['pos.returned', 'R-1', '001'],
      ['pos.returned', 'R-2', '001'],
    ])
    expect(report.skippedRows).toBe(1)
  })

  it('reads NDJSON and JSON arrays, reporting lines for bad records', async () => {
    const ndjson = [
      JSON.stringify({ tx: 'N-1', sku: 'A', price: 100, customer: { id: 'C-1' }, at: '2026-01-05T10:00:00+09:00' }),
      '{not json',
      JSON.stringify({ tx: 'N-2', sku: 'B', price: 'free', customer: { id: 'C-2' } }),
      JSON.stringify({ tx: 'N-3', sku: 'C', price: 300, customer: { id: 'C-3' } }),
    ].join('\n')
    const jsonMapping: JournalMapping = { columns: { transactionId: 'tx', sku: 'sku', unitPrice: 'price', time: 'at', customer: { posCustomerId: 'customer.id' } }, defaultStoreId: 'web-popup' }
    const out: EventInput[] = []
    const emit = async (e: EventInput) => void out.push(e)
    const nd = await importJournal(Buffer.from(ndjson), { mapping: jsonMapping, format: 'ndjson', emit })
    expect(nd.errors.map((e) => e.line)).toEqual([2, 3])
    expect(out.map((e) => e.data?.['transactionId'])).toEqual(['N-1', 'N-3'])
    expect(out[0]).toMatchObject({ storeId: 'web-popup', identity: { posCustomerId: 'C-1' } })
    const json = `[\n  {"tx": "J-1", "sku": "A", "price": 1, "customer": {"id": "C"}},\n  {"tx": "J-2", "sku": "",\n   "price": 1, "customer": {"id": "C"}},\n  {"tx": "J-3", "sku": "B", "price": 2, "customer": {"id": "C"}}\n]`
    const file = join(dir, 'rows.json')
    await writeFile(file, json)
    const js = await importJournal(file, { mapping: jsonMapping, emit })
    expect(js.errors.map((e) => [e.line, e.field])).toEqual([[3, 'sku']])
    expect(js.events).toBe(2)
  })

  it('names bad mapping fields', async () => {
    await expect(importJournal(Buffer.from(''), { mapping: { columns: { transactionId: '', sku: 'a', unitPrice: 'b' }, currency: 'yen' }, emit: async () => undefined })).rejects.toThrow(
      /columns\.transactionId.*currency|currency.*columns\.transactionId/s,
    )
  })

  it('reads the usual journal time shapes', () => {
    expect(journalTime('2026/1/5 9:05', '+09:00')).toBe('2026-01-05T09:05:00+09:00')
    expect(journalTime('2026-01-05T09:05:00Z', '+09:00')).toBe('2026-01-05T09:05:00Z')
    expect(journalTime('2026-01-05 09:05:00+0900', 'Z')).toBe('2026-01-05T09:05:00+09:00')
    expect(journalTime('05/01/2026', 'Z')).toBeUndefined()
  })
})

describe('journalImport (module)', () => {
  it('imports files dropped in a directory on its schedule, each once', async () => {
    const clock = new VirtualClock('2026-01-05T00:00:00Z')
    const hub = await createHub({ clock, modules: [journalImport({ dir, every: '5m', mapping, checkpointDir: join(dir, '.checkpoints') })] })
    const events: OmoEvent[] = []
    hub.hooks.on('event.accepted', (e) => events.push(e))
    await hub.start()
    const connector = hub.get(PosTokens.JournalImport)
    const tick = async (ms: number) => {
      await clock.advance(ms)
      await connector.idle()
      await hub.drain()
    }
    try {
      await writeFile(join(dir, 'a.csv'), [HEADER, 'R-1,2026-01-05 10:00,001,C-1,SKU-1,Shirt,1,4900,'].join('\n'))
      await tick(1)
      expect(events).toHaveLength(1)
      await writeFile(join(dir, 'b.csv'), [HEADER, 'R-2,2026-01-05 10:00,001,C-2,SKU-2,Tie,1,2000,'].join('\n'))
      await tick(60_000)
      expect(events).toHaveLength(1) // not yet: every 5 minutes
      await tick(5 * 60_000)
      expect(events).toHaveLength(2)
      await tick(5 * 60_000)
      expect(events.map((e) => e.data['transactionId'])).toEqual(['R-1', 'R-2'])
      expect([...connector.reports.keys()].map((k) => k.split('/').pop())).toEqual(['a.csv', 'b.csv'])
    } finally {
      await hub.stop()
    }
  })

  it('keeps checkpoints in memory by default', async () => {
    const store = new MemoryCheckpointStore()
    await store.set('k', { line: 3, at: '2026-01-01T00:00:00Z' })
    expect(await store.get('k')).toEqual({ line: 3, at: '2026-01-01T00:00:00Z' })
  })
})
