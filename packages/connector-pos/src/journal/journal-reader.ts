import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import iconv from 'iconv-lite'

/** Where a journal comes from: a file path, bytes, or a stream of bytes. */
export type JournalInput = string | Buffer | Uint8Array | Readable | AsyncIterable<Buffer | Uint8Array | string>

/** Journal file formats. */
export type JournalFormat = 'csv' | 'json' | 'ndjson'

/** Text encodings a journal may be in (Japanese POS exports are often Shift_JIS / CP932). */
export type JournalEncoding = 'utf8' | 'shift_jis'

/** One record of a journal with the line it ends on (1-based, as an editor shows it). */
export interface JournalRecord {
  readonly line: number
  /** Field name → raw value. */
  readonly get: (field: string) => unknown
  /** The record as read, for the mapping hook. */
  readonly raw: unknown
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

async function* csvRecords(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<JournalRecord | UnreadableRecord> {
  const parser = parse({ delimiter, info: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true })
  const feeding = (async () => {
    try {
      for await (const chunk of text) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve))
      parser.end()
    } catch (error) {
      parser.destroy(error as Error)
    }
  })()
  let header: Map<string, number> | undefined
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const { record, info } = item
    if (!header) {
      header = new Map(record.map((name, i) => [name.trim(), i]))
      continue
    }
    const columns = header
    yield {
      line: info.lines,
      get: (field) => {
        const i = columns.get(field)
        return i === undefined ? undefined : record[i]
      },
      raw: record,
    }
  }
  await feeding
}

async function* ndjsonRecords(text: AsyncIterable<string>): AsyncGenerator<JournalRecord | UnreadableRecord> {
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
    for (const l of lines) {
      const record = one(l)
      if (record) yield record
    }
  }
  if (rest !== '') {
    const record = one(rest)
    if (record) yield record
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

async function* jsonRecords(text: AsyncIterable<string>): AsyncGenerator<JournalRecord | UnreadableRecord> {
  let all = ''
  for await (const chunk of text) all += chunk
  let value: unknown
  try {
    value = JSON.parse(all)
  } catch {
    yield { line: 1, error: 'file is not valid JSON' }
    return
  }
  const rows = Array.isArray(value) ? value : Array.isArray((value as { rows?: unknown })?.rows) ? (value as { rows: unknown[] }).rows : undefined
  if (!rows) {
    yield { line: 1, error: 'JSON journal must be an array of records (or { "rows": [...] })' }
    return
  }
  const lines = Array.isArray(value) ? elementLines(all) : []
  for (const [index, row] of rows.entries()) yield { line: lines[index] ?? index + 1, get: pathGetter(row), raw: row }
}

/** Reads a journal as records with line numbers, decoding Shift_JIS when asked. */
export function readJournal(
  input: JournalInput,
  options: { readonly format: JournalFormat; readonly encoding: JournalEncoding; readonly delimiter?: string },
): AsyncGenerator<JournalRecord | UnreadableRecord> {
  const text = textOf(input, options.encoding)
  if (options.format === 'ndjson') return ndjsonRecords(text)
  if (options.format === 'json') return jsonRecords(text)
  return csvRecords(text, options.delimiter ?? ',')
}
