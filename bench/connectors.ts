/**
 * Connector benchmarks: POS journal import into a hub, and the ERP snapshot diff.
 *
 *   node --conditions=@omotenashi/source --import tsx bench/connectors.ts
 *
 * 1. Journal import (CSV → hub with its embedded in-memory defaults): `importJournal` against
 *    the loop a user would write by hand — csv-parse, one event per row, `hub.publish` — and
 *    csv-parse alone (the parsing ceiling). Receipts have 1–5 lines (3 on average).
 * 2. ERP snapshot diff: a 1M-row stock/price snapshot against the previous one (1 % of rows
 *    changed), parse + diff + publish of the changes, against csv-parse + a Map diff.
 */
import { cpus, loadavg } from 'node:os'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createHub, type EventInput } from '@omotenashi/core'
import { diffSnapshots, itemKey, parseSnapshotCsv, type Snapshot } from '@omotenashi/connector-erp'
import { importJournal } from '@omotenashi/connector-pos'
import { parse } from 'csv-parse'

const JOURNAL_ROWS = Number(process.env['BENCH_JOURNAL_ROWS'] ?? 200_000)
const SNAPSHOT_ROWS = Number(process.env['BENCH_SNAPSHOT_ROWS'] ?? 1_000_000)

function journalCsv(rows: number): Buffer {
  const lines = ['receipt,time,store,member,sku,name,qty,price']
  let tx = 0
  let i = 0
  while (i < rows) {
    tx++
    const items = 1 + (tx % 5)
    for (let j = 0; j < items && i < rows; j++, i++) {
      lines.push(`R${tx},2026-01-05 10:${String(tx % 60).padStart(2, '0')}:00,S${tx % 20},M${tx % 50_000},SKU-${(tx * 7 + j) % 5000},Item ${j},${1 + (j % 2)},${500 + ((tx + j) % 40) * 100}`)
    }
  }
  return Buffer.from(lines.join('\n'))
}

const mapping = {
  columns: { transactionId: 'receipt', time: 'time', storeId: 'store', sku: 'sku', name: 'name', quantity: 'qty', unitPrice: 'price', customer: { posCustomerId: 'member' } },
}

/**
 * Wall time and CPU time of `fn`. On a shared machine the wall time includes waiting for a
 * core; the CPU time (user + system of this process) is what the work itself cost.
 */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const value = await fn()
  const used = process.cpuUsage(cpu)
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, value }
}

const rate = (n: number, ms: number): string => Math.round((n / ms) * 1000).toLocaleString('en')
const secs = (ms: number): string => (ms / 1000).toFixed(2)

async function benchJournal(): Promise<string[][]> {
  const csv = journalCsv(JOURNAL_ROWS)
  const rows: string[][] = []

  const parseOnly = await timed(async () => {
    let n = 0
    for await (const _record of Readable.from([csv]).pipe(parse({ from_line: 2 }))) n++
    return n
  })
  rows.push(['csv-parse alone (no hub)', String(parseOnly.value), '–', secs(parseOnly.ms), rate(parseOnly.value, parseOnly.ms), secs(parseOnly.cpuMs), rate(parseOnly.value, parseOnly.cpuMs)])

  {
    const hub = await createHub()
    await hub.start()
    const run = await timed(async () => {
      let n = 0
      for await (const r of Readable.from([csv]).pipe(parse({ from_line: 2 })) as AsyncIterable<string[]>) {
        n++
        await hub.publish({
          type: 'pos.purchased',
          source: 'pos',
          time: `${r[1]!.replace(' ', 'T')}+09:00`,
          storeId: r[2]!,
          identity: { posCustomerId: r[3]! },
          data: { transactionId: `${r[0]}-${n}`, items: [{ sku: r[4]!, name: r[5]!, quantity: Number(r[6]), unitPrice: Number(r[7]) }], total: Number(r[6]) * Number(r[7]), currency: 'JPY' },
        })
      }
      await hub.drain()
      return n
    })
    await hub.stop()
    rows.push(['csv-parse loop → hub.publish per row', String(run.value), String(run.value), secs(run.ms), rate(run.value, run.ms), secs(run.cpuMs), rate(run.value, run.cpuMs)])
  }

  {
    // The connector's own share: read, validate and group rows, build events, drop them.
    const run = await timed(() => importJournal(Readable.from([csv]), { mapping, emit: async () => undefined }))
    rows.push(['importJournal, events discarded (connector cost only)', String(run.value.rows), String(run.value.events), secs(run.ms), rate(run.value.rows, run.ms), secs(run.cpuMs), rate(run.value.rows, run.cpuMs)])
  }

  {
    const hub = await createHub()
    await hub.start()
    const run = await timed(async () => {
      const report = await importJournal(Readable.from([csv]), { mapping, emit: (e) => hub.publish(e) })
      await hub.drain()
      return report
    })
    await hub.stop()
    if (run.value.errorCount > 0) throw new Error(`journal import reported ${run.value.errorCount} errors`)
    rows.push(['importJournal → hub (receipts grouped)', String(run.value.rows), String(run.value.events), secs(run.ms), rate(run.value.rows, run.ms), secs(run.cpuMs), rate(run.value.rows, run.cpuMs)])
  }
  return rows
}

function snapshotCsv(rows: number, changedEvery: number, salt: number): Buffer {
  const parts: string[] = ['sku,store,quantity,price']
  const stores = 50
  for (let i = 0; i < rows; i++) {
    const changed = salt > 0 && i % changedEvery === 0
    const quantity = (i % 17) + (changed ? 3 : 5)
    const price = 1000 + (i % 300) * 10 - (changed && i % 2 === 0 ? 100 : 0)
    parts.push(`SKU-${Math.floor(i / stores)},S${i % stores},${quantity},${price}`)
  }
  return Buffer.from(parts.join('\n'))
}

async function benchDiff(): Promise<string[][]> {
  const before = snapshotCsv(SNAPSHOT_ROWS, 100, 0)
  const after = snapshotCsv(SNAPSHOT_ROWS, 100, 1)
  const rows: string[][] = []
  const options = { source: 'erp', lowStockThreshold: 3, currency: 'JPY', idPrefix: 'bench', time: '2026-05-01T00:00:00Z' }

  {
    const previous = parseSnapshotCsv(before).snapshot
    const hub = await createHub()
    await hub.start()
    const run = await timed(async () => {
      const next = parseSnapshotCsv(after)
      const diff = diffSnapshots(previous, next.snapshot, options)
      for (const event of diff.events) await hub.publish(event)
      await hub.drain()
      return { rows: next.rows, events: diff.events.length }
    })
    await hub.stop()
    rows.push(['parseSnapshotCsv + diffSnapshots + publish', String(run.value.rows), String(run.value.events), secs(run.ms), secs(run.cpuMs)])
  }

  {
    // What one would write with csv-parse: records → Map → compare, the same events out.
    const load = async (bytes: Buffer): Promise<Snapshot> => {
      const map: Snapshot = new Map()
      for await (const r of Readable.from([bytes]).pipe(parse({ from_line: 2 })) as AsyncIterable<string[]>) map.set(itemKey(r[0]!, r[1]!), { quantity: Number(r[2]), price: Number(r[3]) })
      return map
    }
    const previous = await load(before)
    const hub = await createHub()
    await hub.start()
    const run = await timed(async () => {
      const next = await load(after)
      const events: EventInput[] = []
      for (const [key, a] of next) {
        const b = previous.get(key)
        if (!b) continue
        const [store, sku] = key.split('\u0000') as [string, string]
        if (a.price !== b.price) events.push({ type: 'catalog.price_changed', source: 'erp', storeId: store, data: { sku, oldPrice: b.price, newPrice: a.price, currency: 'JPY' } })
        if (a.quantity !== b.quantity) events.push({ type: 'inventory.stock_changed', source: 'erp', storeId: store, data: { sku, quantity: a.quantity, previousQuantity: b.quantity } })
      }
      for (const event of events) await hub.publish(event)
      await hub.drain()
      return { rows: next.size, events: events.length }
    })
    await hub.stop()
    rows.push(['csv-parse + Map diff + publish', String(run.value.rows), String(run.value.events), secs(run.ms), secs(run.cpuMs)])
  }
  return rows
}

/** Runs both benchmarks and returns the markdown tables. */
export async function run(): Promise<string> {
  const journal = await benchJournal()
  const diff = await benchDiff()
  const table = (head: string[], body: string[][]): string =>
    [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n')
  return [
    `### POS journal import (${JOURNAL_ROWS.toLocaleString('en')} CSV rows, hub with in-memory defaults; goal ≥ 100,000 rows/s)`,
    '',
    table(['approach', 'rows', 'events', 'wall s', 'rows/s (wall)', 'CPU s', 'rows/CPU-s'], journal),
    '',
    `### ERP snapshot diff (${SNAPSHOT_ROWS.toLocaleString('en')} rows, 1 % changed; goal ≤ 5 s)`,
    '',
    table(['approach', 'rows', 'events', 'wall s', 'CPU s'], diff),
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${cpus().length} cores (wall time includes waiting for a core; CPU time does not).`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
}
