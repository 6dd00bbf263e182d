import { hasOpenQuote, splitCsvRecord } from '@omotenashi/core'
import iconv from 'iconv-lite'
import * as z from 'zod'
import { itemKey, type ItemState, type Snapshot } from '../snapshot.js'

/** Column names of a stock / price snapshot file. */
export const SnapshotColumnsSchema = z.object({
  /** Item code. Default `sku`. */
  sku: z.string().min(1).default('sku'),
  /** Store code; rows without one are central / online stock. Default `store`. */
  storeId: z.string().min(1).default('store'),
  /** Units on hand. Default `quantity`. */
  quantity: z.string().min(1).default('quantity'),
  /** Price. Default `price`. */
  price: z.string().min(1).default('price'),
  /** Currency. Default `currency`. */
  currency: z.string().min(1).default('currency'),
})

/** Column names of a snapshot file. */
export type SnapshotColumns = z.input<typeof SnapshotColumnsSchema>

/** Options of {@link parseSnapshotCsv}. */
export interface ParseSnapshotOptions {
  readonly columns?: SnapshotColumns
  readonly encoding?: 'utf8' | 'shift_jis'
  readonly delimiter?: string
  /** Store code → hub store id. */
  readonly stores?: Readonly<Record<string, string>>
}

/** A parsed snapshot and the rows that could not be read. */
export interface ParsedSnapshot {
  readonly snapshot: Snapshot
  readonly rows: number
  readonly errors: Array<{ line: number; message: string }>
}

function toNumber(text: string): number | undefined {
  if (text === '') return undefined
  let n = Number(text)
  if (Number.isNaN(n)) n = Number(text.replace(/[¥￥$,\s\\]/g, ''))
  return Number.isFinite(n) ? n : undefined
}

/**
 * Parses a stock / price snapshot CSV. A hand-written splitter rather than a general CSV
 * parser: snapshot files are large (a million rows) and plain, so the fast path is a split on
 * the delimiter, with a full quote-aware split only for lines that contain quotes.
 */
export function parseSnapshotCsv(input: Buffer | string, options: ParseSnapshotOptions = {}): ParsedSnapshot {
  const columns = SnapshotColumnsSchema.parse(options.columns ?? {})
  const delimiter = options.delimiter ?? ','
  let text = typeof input === 'string' ? input : options.encoding === 'shift_jis' ? iconv.decode(input, 'cp932') : input.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const snapshot: Snapshot = new Map()
  const errors: Array<{ line: number; message: string }> = []
  let index: { sku: number; store: number; quantity: number; price: number; currency: number } | undefined
  let rows = 0
  let lineNo = 0
  let start = 0
  const length = text.length
  while (start < length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = length
    lineNo++
    const firstLine = lineNo
    let line = text.slice(start, end)
    start = end + 1
    // A quoted field may hold a newline: keep reading until the quotes balance.
    while (line.includes('"') && hasOpenQuote(line) && start < length) {
      let next = text.indexOf('\n', start)
      if (next === -1) next = length
      line += `\n${text.slice(start, next)}`
      start = next + 1
      lineNo++
    }
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (line === '') continue
    const fields = splitCsvRecord(line, delimiter)
    if (index === undefined) {
      const names = fields.map((f) => f.trim())
      index = {
        sku: names.indexOf(columns.sku),
        store: names.indexOf(columns.storeId),
        quantity: names.indexOf(columns.quantity),
        price: names.indexOf(columns.price),
        currency: names.indexOf(columns.currency),
      }
      if (index.sku === -1) throw new Error(`snapshot has no "${columns.sku}" column (columns: ${names.join(', ')})`)
      if (index.quantity === -1 && index.price === -1) throw new Error(`snapshot has neither a "${columns.quantity}" nor a "${columns.price}" column`)
      continue
    }
    rows++
    const sku = (fields[index.sku] ?? '').trim()
    if (sku === '') {
      errors.push({ line: firstLine, message: `${columns.sku} is empty` })
      continue
    }
    const state: ItemState = {}
    if (index.quantity !== -1) {
      const raw = (fields[index.quantity] ?? '').trim()
      const q = toNumber(raw)
      if (raw !== '' && q === undefined) {
        errors.push({ line: firstLine, message: `${columns.quantity} is not a number: "${raw.slice(0, 40)}"` })
        continue
      }
      if (q !== undefined) state.quantity = q
    }
    if (index.price !== -1) {
      const raw = (fields[index.price] ?? '').trim()
      const p = toNumber(raw)
      if (raw !== '' && (p === undefined || p < 0)) {
        errors.push({ line: firstLine, message: `${columns.price} is not a price: "${raw.slice(0, 40)}"` })
        continue
      }
      if (p !== undefined) state.price = p
    }
    if (index.currency !== -1) {
      const c = (fields[index.currency] ?? '').trim()
      if (c !== '') state.currency = c
    }
    const storeCode = index.store === -1 ? '' : (fields[index.store] ?? '').trim()
    const storeId = storeCode === '' ? undefined : (options.stores?.[storeCode] ?? storeCode)
    snapshot.set(itemKey(sku, storeId), state)
  }
  return { snapshot, rows, errors }
}
