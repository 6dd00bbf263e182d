import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { hasOpenQuote, splitCsvRecord } from '@omotenashi/core'
import iconv from 'iconv-lite'

/** Where a journal comes from: a file path, bytes, or a stream of bytes. */
export type JournalInput = string | Buffer | Uint8Array | Readable | AsyncIterable<Buffer | Uint8Array | string>

/** Journal file formats. */
export type JournalFormat = 'csv' | 'json' | 'ndjson'

/** Text encodings a journal may be in (Japanese POS exports are often Shift_JIS / CP932). */
export type JournalEncoding = 'utf8' | 'shift_jis'

/** One record of a journal with the line it starts on (1-based, as an editor shows it). */
export interface JournalRecord {
  readonly line: number
  /** Field name → raw value. */
  readonly get: (field: string) => unknown
  /** The record as read, for the mapping hook (a CSV record: its fields). */
  readonly raw: unknown
  /** For CSV: column name → index, shared by every record of the file (lets readers resolve columns once). */
  readonly header?: ReadonlyMap<string, number>
}

/** A record that could not even be read (bad JSON on an NDJSON line). */
export interface UnreadableRecord {
  readonly line: number
  readonly error: string
}

/** The format of a path by its extension. */
export function formatOf(path: string): JournalFormat {
  const lower = path.toLowerCase()
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson'
  if (lower.endsWith('.json')) return 'json'
  return 'csv'
}

function bytesOf(input: JournalInput): AsyncIterable<Buffer | Uint8Array | string> {
  if (typeof input === 'string') return createReadStream(input, { highWaterMark: 1 << 20 })
  if (input instanceof Uint8Array) return Readable.from([input])
  return input
}

/**
 * Decoded text chunks. Shift_JIS goes through iconv-lite's streaming decoder, which keeps a
 * multi-byte character split across two chunks whole (CP932 extensions, e.g. ①, included).
 */
async function* textOf(input: JournalInput, encoding: JournalEncoding): AsyncGenerator<string> {
  const decoder = encoding === 'shift_jis' ? iconv.getDecoder('cp932') : undefined
  const utf8 = new TextDecoder('utf-8')
  let first = true
  for await (const chunk of bytesOf(input)) {
    let text: string
    if (typeof chunk === 'string') text = chunk
    else {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      text = decoder ? decoder.write(buf) : utf8.decode(buf, { stream: true })
    }
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    first = false
    if (text) yield text
  }
  const rest = decoder ? decoder.end() ?? '' : utf8.decode()
  if (rest) yield rest
}

function pathGetter(value: unknown): (field: string) => unknown {
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  return (field) => {
    if (field in object) return object[field]
    if (!field.includes('.')) return undefined
    let current: unknown = object
    for (const part of field.split('.')) {
      if (typeof current !== 'object' || current === null) return undefined
      current = (current as Record<string, unknown>)[part]
    }
    return current
  }
}

/** A CSV record: fields plus the file's header (a class, so a million records share one `get`). */
class CsvRecord implements JournalRecord {
  constructor(
    readonly line: number,
    readonly raw: string[],
    readonly header: ReadonlyMap<string, number>,
  ) {}
  get(field: string): unknown {
    const i = this.header.get(field)
    return i === undefined ? undefined : this.raw[i]
  }
}

/**
 * CSV records with the line each starts on. Hand-written rather than csv-parse: journals are
 * large and plain, and this reader needs the starting line of every record (csv-parse reports
 * only a running line count, and copying its info object per record halves throughput).
 */
async function* csvRecords(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<Array<JournalRecord | UnreadableRecord>> {
  let buffer = ''
  let line = 1
  let header: Map<string, number> | undefined
  const make = (record: string, at: number): JournalRecord | undefined => {
    if (record.endsWith('\r')) record = record.slice(0, -1)
    if (record === '') return undefined
    const fields = splitCsvRecord(record, delimiter)
    if (!header) {
      header = new Map(fields.map((name, i) => [name.trim(), i]))
      return undefined
    }
    return new CsvRecord(at, fields, header)
  }
  const drain = (final: boolean): Array<JournalRecord | UnreadableRecord> => {
    const out: Array<JournalRecord | UnreadableRecord> = []
    let start = 0
    let from = 0
    for (;;) {
      const nl = buffer.indexOf('\n', from)
      if (nl === -1) break
      const candidate = buffer.slice(start, nl)
      // A quoted field can hold newlines: keep going until the quotes balance.
      if (candidate.includes('"') && hasOpenQuote(candidate)) {
        from = nl + 1
        continue
      }
      const lines = 1 + (from > start ? countNewlines(buffer, start, nl) : 0)
      const record = make(candidate, line)
      if (record) out.push(record)
      line += lines
      start = nl + 1
      from = start
    }
    buffer = buffer.slice(start)
    if (final && buffer !== '') {
      const record = make(buffer, line)
      if (record) out.push(record)
      buffer = ''
    }
    return out
  }
  for await (const chunk of text) {
    buffer += chunk
    const batch = drain(false)
    if (batch.length > 0) yield batch
  }
  const last = drain(true)
  if (last.length > 0) yield last
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++
  return n
}

async function* ndjsonRecords(text: AsyncIterable<string>): AsyncGenerator<Array<JournalRecord | UnreadableRecord>> {
  let line = 0
  let rest = ''
  const one = (raw: string): JournalRecord | UnreadableRecord | undefined => {
    line++
    const trimmed = raw.trim()
    if (trimmed === '') return undefined
    try {
      const value: unknown = JSON.parse(trimmed)
      return { line, get: pathGetter(value), raw: value }
    } catch {
      return { line, error: 'line is not valid JSON' }
    }
  }
  for await (const chunk of text) {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    const batch: Array<JournalRecord | UnreadableRecord> = []
    for (const l of lines) {
      const record = one(l)
      if (record) batch.push(record)
    }
    if (batch.length > 0) yield batch
  }
  if (rest !== '') {
    const record = one(rest)
    if (record) yield [record]
  }
}

/** The 1-based line on which each top-level element of a JSON array starts. */
function elementLines(text: string): number[] {
  const lines: number[] = []
  let line = 1
  let depth = 0
  let inString = false
  let expectValue = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) line++
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
      continue
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue
    if (depth === 1 && expectValue && c !== 93) {
      lines.push(line)
      expectValue = false
    }
    if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      depth++
      if (depth === 1 && c === 91) expectValue = true
    } else if (c === 93 || c === 125) depth--
    else if (c === 44 && depth === 1) expectValue = true
  }
  return lines
}

async function* jsonRecords(text: AsyncIterable<string>): AsyncGenerator<Array<JournalRecord | UnreadableRecord>> {
  let all = ''
  for await (const chunk of text) all += chunk
  let value: unknown
  try {
    value = JSON.parse(all)
  } catch {
    yield [{ line: 1, error: 'file is not valid JSON' }]
    return
  }
  const rows = Array.isArray(value) ? value : Array.isArray((value as { rows?: unknown })?.rows) ? (value as { rows: unknown[] }).rows : undefined
  if (!rows) {
    yield [{ line: 1, error: 'JSON journal must be an array of records (or { "rows": [...] })' }]
    return
  }
  const lines = Array.isArray(value) ? elementLines(all) : []
  yield rows.map((row, index) => ({ line: lines[index] ?? index + 1, get: pathGetter(row), raw: row }))
}

/** Reads a journal as batches of records with line numbers, decoding Shift_JIS when asked. */
export function readJournal(
  input: JournalInput,
  options: { readonly format: JournalFormat; readonly encoding: JournalEncoding; readonly delimiter?: string },
): AsyncGenerator<Array<JournalRecord | UnreadableRecord>> {
  const text = textOf(input, options.encoding)
  if (options.format === 'ndjson') return ndjsonRecords(text)
  if (options.format === 'json') return jsonRecords(text)
  return csvRecords(text, options.delimiter ?? ',')
}
