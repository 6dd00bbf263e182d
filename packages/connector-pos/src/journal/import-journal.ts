import { parseOptions, ValidationError, type EventInput, type LineItem } from '@omotenashi/core'
import type { MapHook } from '../source-connector.js'
import type { CheckpointStore } from './checkpoint-store.js'
import { JournalMappingSchema, type JournalMapping } from './journal-mapping.js'
import { formatOf, readJournal, type JournalEncoding, type JournalFormat, type JournalInput, type JournalRecord } from './journal-reader.js'

/** A row that was not imported, by line. */
export interface JournalRowError {
  /** 1-based line in the file (for JSON arrays: where the record starts). */
  readonly line: number
  /** The transaction the row belongs to, when it could be read. */
  readonly transactionId?: string
  /** The field at fault, when one is. */
  readonly field?: string
  /** Why. */
  readonly message: string
}

/** What an import did. */
export interface JournalImportReport {
  /** Records read (resumed-over ones included). */
  readonly rows: number
  /** Rows now in the hub. */
  readonly importedRows: number
  /** Events published. */
  readonly events: number
  /** Rows before the checkpoint, skipped on resume. */
  readonly resumedRows: number
  /** Rows of transactions imported before (dedupe). */
  readonly duplicateRows: number
  /** Rows of sales without any customer identifier (nothing to attribute them to). */
  readonly anonymousRows: number
  /** Rows the mapping hook dropped. */
  readonly skippedRows: number
  /** Rows in error, all of them counted. */
  readonly errorCount: number
  /** The first `maxErrors` errors, by line. */
  readonly errors: readonly JournalRowError[]
  /** The last line committed (the checkpoint). */
  readonly lastLine: number
  /** The checkpoint the import resumed from, if any. */
  readonly resumedFrom?: number
}

/** A place to publish to: a connector's emit, or `hub.publish`. */
export type JournalEmit = (event: EventInput) => Promise<unknown>

/** Options of {@link importJournal}. */
export interface ImportJournalOptions {
  /** Column mapping. */
  readonly mapping: JournalMapping
  /** Where events go: `hub.publish`, or a connector's emit. */
  readonly emit: JournalEmit
  /** Default: from the file extension, else CSV. */
  readonly format?: JournalFormat
  /** Default `utf8`. */
  readonly encoding?: JournalEncoding
  /** CSV delimiter. Default `,`. */
  readonly delimiter?: string
  /** Event source. Default `pos`. */
  readonly source?: string
  /** Prefix of the derived event ids. Default `journal`. */
  readonly idPrefix?: string
  /** Mapping hook: gets each event and the rows it came from. */
  readonly map?: MapHook<{ readonly rows: readonly unknown[] }>
  /** Keeps the checkpoint (resume after an interruption). */
  readonly checkpoints?: CheckpointStore
  /** Checkpoint key. Default: the path when the input is one; required for streams. */
  readonly checkpointKey?: string
  /** Rows between checkpoint writes. Default 1000 (a crash re-reads at most this many; ids make that harmless). */
  readonly checkpointEvery?: number
  /** Errors kept in the report (all are counted). Default 1000. */
  readonly maxErrors?: number
  /** Transactions seen already (a connector's bounded dedupe). */
  readonly dedupe?: { has(id: string): boolean; add(id: string): void }
}

// A yen sign written in Shift_JIS is byte 0x5C, which CP932 decodes as a backslash.
const NUMBER_NOISE = /[¥￥$,\s\\]/g

function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value.trim() : String(value)
}

function number(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  const raw = text(value)
  if (raw === '') return undefined
  let n = Number(raw)
  if (Number.isNaN(n)) {
    const t = raw.replace(NUMBER_NOISE, '')
    n = t === '' ? Number.NaN : Number(t)
  }
  return Number.isFinite(n) ? n : undefined
}

const TIME = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

/** Reads the usual journal time shapes (`2026-01-05T10:15:00+09:00`, `2026/1/5 10:15`) as ISO 8601 with offset. */
export function journalTime(value: string, utcOffset: string): string | undefined {
  const m = TIME.exec(value)
  if (!m) return undefined
  const pad = (s: string | undefined, n = 2): string => (s ?? '0').padStart(n, '0')
  let offset = m[8] ?? utcOffset
  if (offset !== 'Z' && !offset.includes(':')) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`
  const iso = `${m[1]}-${pad(m[2])}-${pad(m[3])}T${pad(m[4])}:${pad(m[5])}:${pad(m[6])}${m[7] ?? ''}${offset}`
  return Number.isNaN(Date.parse(iso)) ? undefined : iso
}

interface Group {
  transactionId: string
  storeId: string | undefined
  time: string | undefined
  currency: string
  total: number | undefined
  identity: Record<string, string>
  /** Identifier kinds found so far. */
  known: number
  sold: LineItem[]
  returned: LineItem[]
  lines: number[]
  raws: unknown[]
}

/**
 * Imports a POS journal (CSV, JSON or NDJSON; UTF-8 or Shift_JIS) into the hub. Rows become
 * line items; consecutive rows with one transaction id become one `pos.purchased` (and/or
 * `pos.returned`). Bad rows are reported by line and the good ones imported; the import can be
 * interrupted and resumed from its checkpoint; re-importing a file publishes nothing twice
 * (event ids derive from the transaction).
 *
 * @example
 * ```ts
 * const report = await importJournal('./exports/2026-01-05.csv', {
 *   emit: (e) => hub.publish(e),
 *   encoding: 'shift_jis',
 *   mapping: { columns: { transactionId: '取引ID', sku: '商品コード', name: '商品名', quantity: '数量', unitPrice: '単価', time: '取引日時', storeId: '店舗ID', customer: { posCustomerId: '会員ID' } } },
 * })
 * ```
 */
export async function importJournal(input: JournalInput, options: ImportJournalOptions): Promise<JournalImportReport> {
  const mapping = parseOptions(JournalMappingSchema, options.mapping, 'journal mapping')
  const cols = mapping.columns
  const customerColumns = Object.entries(cols.customer)
  const identityKinds = customerColumns.length
  const returnValues = new Set(mapping.returnValues.map((v) => v.toLowerCase()))
  const format = options.format ?? (typeof input === 'string' ? formatOf(input) : 'csv')
  const source = options.source ?? 'pos'
  const idPrefix = options.idPrefix ?? 'journal'
  const maxErrors = options.maxErrors ?? 1000
  const checkpointEvery = options.checkpointEvery ?? 1000
  const checkpointKey = options.checkpointKey ?? (typeof input === 'string' ? input : undefined)
  const checkpoints = options.checkpoints
  if (checkpoints && checkpointKey === undefined) throw new TypeError('importJournal: checkpointKey is required to checkpoint a stream')
  const resumed = checkpoints && checkpointKey !== undefined ? await checkpoints.get(checkpointKey) : undefined
  const resumeAfter = resumed?.line ?? 0

  const errors: JournalRowError[] = []
  let errorCount = 0
  let rows = 0
  let importedRows = 0
  let events = 0
  let resumedRows = 0
  let duplicateRows = 0
  let anonymousRows = 0
  let skippedRows = 0
  let lastLine = resumeAfter
  let sinceCheckpoint = 0

  const fail = (error: JournalRowError): void => {
    errorCount++
    if (errors.length < maxErrors) errors.push(error)
  }

  const saveCheckpoint = async (): Promise<void> => {
    if (checkpoints && checkpointKey !== undefined) await checkpoints.set(checkpointKey, { line: lastLine, at: new Date().toISOString() })
    sinceCheckpoint = 0
  }

  const publish = async (event: EventInput, group: Group): Promise<'ok' | 'skipped' | 'refused'> => {
    const mapped = options.map ? await options.map(event, { rows: group.raws }) : event
    if (mapped === null || mapped === undefined) return 'skipped'
    let refused: Error | undefined
    try {
      const result = await options.emit(mapped)
      if (typeof result === 'object' && result !== null && (result as { ok?: unknown }).ok === false) refused = (result as { error: Error }).error
    } catch (error) {
      if (error instanceof ValidationError) refused = error
      else throw error
    }
    if (refused) {
      const detail = refused instanceof ValidationError ? refused.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : refused.message
      for (const line of group.lines) fail({ line, transactionId: group.transactionId, message: `the hub refused the ${event.type}: ${detail}` })
      return 'refused'
    }
    events++
    return 'ok'
  }

  const flush = async (group: Group): Promise<void> => {
    const last = group.lines[group.lines.length - 1]!
    const count = group.lines.length
    const id = `${idPrefix}:${group.storeId ?? ''}:${group.transactionId}`
    if (options.dedupe?.has(id)) {
      duplicateRows += count
    } else if (Object.keys(group.identity).length === 0) {
      anonymousRows += count
    } else {
      const base = {
        source,
        identity: group.identity,
        ...(group.storeId === undefined ? {} : { storeId: group.storeId }),
        ...(group.time === undefined ? {} : { time: group.time }),
      }
      const sum = (items: LineItem[]): number => items.reduce((s, i) => s + i.quantity * i.unitPrice, 0)
      const outcomes: Array<'ok' | 'skipped' | 'refused'> = []
      if (group.sold.length > 0) {
        const total = group.total !== undefined && group.returned.length === 0 ? group.total : sum(group.sold)
        outcomes.push(await publish(
          { ...base, id: group.returned.length > 0 ? `${id}:sale` : id, type: 'pos.purchased', data: { transactionId: group.transactionId, items: group.sold, total, currency: group.currency } },
          group,
        ))
      }
      if (group.returned.length > 0) {
        outcomes.push(await publish(
          { ...base, id: `${id}:return`, type: 'pos.returned', data: { transactionId: group.transactionId, items: group.returned, total: sum(group.returned), currency: group.currency } },
          group,
        ))
      }
      if (outcomes.includes('ok')) importedRows += count
      else if (!outcomes.includes('refused')) skippedRows += count
      options.dedupe?.add(id)
    }
    lastLine = Math.max(lastLine, last)
    sinceCheckpoint += count
    if (sinceCheckpoint >= checkpointEvery) await saveCheckpoint()
  }

  // CSV records share one header: each mapped column is resolved to an index once per file.
  const mappedColumns = [cols.transactionId, cols.sku, cols.unitPrice, cols.quantity, cols.name, cols.category, cols.time, cols.storeId, cols.total, cols.currency, cols.kind, ...customerColumns.map(([, c]) => c)]
  let cachedHeader: ReadonlyMap<string, number> | undefined
  const columnIndex = new Map<string, number>()
  let lastTimeText = ''
  let lastTime: string | undefined
  let group: Group | undefined
  for await (const batch of readJournal(input, { format, encoding: options.encoding ?? 'utf8', ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }) })) {
    for (const record of batch) {
      rows++
      if (record.line <= resumeAfter) {
        resumedRows++
        continue
      }
      if ('error' in record) {
        fail({ line: record.line, message: record.error })
        continue
      }
      const row = readRow(record)
      if (typeof row === 'string' || 'field' in row) {
        fail(typeof row === 'string' ? { line: record.line, message: row } : { line: record.line, ...row })
        continue
      }
      if (group && (group.transactionId !== row.transactionId || group.storeId !== row.storeId)) {
        await flush(group)
        group = undefined
      }
      if (!group) {
        group = { transactionId: row.transactionId, storeId: row.storeId, time: row.time, currency: row.currency, total: row.total, identity: {}, known: 0, sold: [], returned: [], lines: [], raws: [] }
      }
      // Identifiers are read from the receipt's rows until each kind is known (usually the first row).
      if (group.known < identityKinds) {
        for (const [kind, column] of customerColumns) {
          if (group.identity[kind] !== undefined) continue
          const v = text(value(record, column))
          if (v !== '') {
            group.identity[kind] = v
            group.known++
          }
        }
      }
      if (row.isReturn) group.returned.push(row.item)
      else group.sold.push(row.item)
      if (group.time === undefined) group.time = row.time
      group.lines.push(record.line)
      group.raws.push(record.raw)
    }
  }
  if (group) await flush(group)
  await saveCheckpoint()

  return {
    rows,
    importedRows,
    events,
    resumedRows,
    duplicateRows,
    anonymousRows,
    skippedRows,
    errorCount,
    errors,
    lastLine,
    ...(resumed ? { resumedFrom: resumed.line } : {}),
  }

  // CSV records share one header: resolve each mapped column to an index once per file, so
  // reading a row is array indexing (no per-row closures or map lookups).
  function value(record: JournalRecord, column: string): unknown {
    const header = record.header
    if (header === undefined) return record.get(column)
    if (header !== cachedHeader) {
      cachedHeader = header
      columnIndex.clear()
      for (const c of mappedColumns) if (c !== undefined) columnIndex.set(c, header.get(c) ?? -1)
    }
    const i = columnIndex.get(column) ?? -1
    return i === -1 ? undefined : (record.raw as string[])[i]
  }

  function bad(transactionId: string, field: string, message: string): { field: string; message: string; transactionId: string } {
    return { field, message, transactionId }
  }

  function readRow(record: JournalRecord):
    | string
    | { readonly field: string; readonly message: string; readonly transactionId?: string }
    | {
        transactionId: string
        storeId: string | undefined
        time: string | undefined
        currency: string
        total: number | undefined
        item: LineItem
        isReturn: boolean
      } {
    const transactionId = text(value(record, cols.transactionId))
    if (transactionId === '') return { field: cols.transactionId, message: `${cols.transactionId} is empty` }
    const sku = text(value(record, cols.sku))
    if (sku === '') return bad(transactionId, cols.sku, `${cols.sku} is empty`)
    const unitPrice = number(value(record, cols.unitPrice))
    if (unitPrice === undefined) return bad(transactionId, cols.unitPrice, `${cols.unitPrice} is not a number: "${text(value(record, cols.unitPrice)).slice(0, 40)}"`)
    let quantity = 1
    if (cols.quantity !== undefined) {
      const q = number(value(record, cols.quantity))
      if (q === undefined || q === 0) return bad(transactionId, cols.quantity, `${cols.quantity} is not a non-zero number: "${text(value(record, cols.quantity)).slice(0, 40)}"`)
      quantity = q
    }
    let time: string | undefined
    if (cols.time !== undefined) {
      const t = text(value(record, cols.time))
      if (t !== '') {
        // Lines of one receipt share their time: parse each distinct value once.
        if (t === lastTimeText) time = lastTime
        else {
          time = journalTime(t, mapping.utcOffset)
          lastTimeText = t
          lastTime = time
        }
        if (time === undefined) return bad(transactionId, cols.time, `${cols.time} is not a date-time: "${t.slice(0, 40)}"`)
      }
    }
    let currency = mapping.currency
    if (cols.currency !== undefined) {
      const c = text(value(record, cols.currency)).toUpperCase()
      if (c !== '') {
        if (!/^[A-Z]{3}$/.test(c)) return bad(transactionId, cols.currency, `${cols.currency} is not a currency code: "${c.slice(0, 10)}"`)
        currency = c
      }
    }
    let total: number | undefined
    if (cols.total !== undefined) {
      const raw = text(value(record, cols.total))
      if (raw !== '') {
        total = number(raw)
        if (total === undefined) return bad(transactionId, cols.total, `${cols.total} is not a number: "${raw.slice(0, 40)}"`)
      }
    }
    const storeCode = cols.storeId === undefined ? '' : text(value(record, cols.storeId))
    const storeId = storeCode === '' ? mapping.defaultStoreId : (mapping.stores?.[storeCode] ?? storeCode)
    const isReturn = quantity < 0 || (cols.kind !== undefined && returnValues.has(text(value(record, cols.kind)).toLowerCase()))
    const name = cols.name === undefined ? '' : text(value(record, cols.name))
    const category = cols.category === undefined ? '' : text(value(record, cols.category))
    const item: LineItem = {
      sku,
      ...(name === '' ? {} : { name }),
      ...(category === '' ? {} : { category }),
      quantity: Math.abs(quantity),
      unitPrice: Math.abs(unitPrice),
    }
    return { transactionId, storeId, time, currency, total: total === undefined ? undefined : Math.abs(total), item, isReturn }
  }
}
