import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { hasOpenQuote, splitCsvRecord } from '@omotenashi/core'

/** One record of an event file: the parsed item, or why it could not be read. */
export type EventRecord = { readonly line: number; readonly item: unknown; readonly bytes: number } | { readonly line: number; readonly error: string; readonly bytes: number }

/** Event file formats `replay` reads. */
export type EventFileFormat = 'ndjson' | 'csv'

/** The format of a file, from its extension (`.csv` → csv, anything else → ndjson). */
export function formatOf(path: string): EventFileFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'ndjson'
}

/** The file's size, for progress. */
export async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size
}

/** Reads NDJSON: one event per line, blank lines skipped, bad JSON reported with its line. */
export async function* readNdjson(path: string): AsyncGenerator<EventRecord> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })
  let line = 0
  for await (const text of lines) {
    line++
    const bytes = Buffer.byteLength(text) + 1
    if (text.trim() === '') continue
    try {
      yield { line, item: JSON.parse(text) as unknown, bytes }
    } catch {
      yield { line, error: 'not valid JSON', bytes }
    }
  }
}

/**
 * Splits CSV text into records with the line each starts on (RFC 4180: quoted fields, doubled
 * quotes, newlines in quotes; CRLF or LF line ends). Records whose cells are all empty are skipped.
 */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1
    let record = lines[i]!
    // A quoted cell may hold a newline: the record goes on until its quotes close.
    while (hasOpenQuote(record) && i + 1 < lines.length) record += `\n${lines[++i]!}`
    if (record.endsWith('\r')) record = record.slice(0, -1)
    const fields = splitCsvRecord(record)
    if (fields.some((f) => f !== '')) records.push({ line: start, fields })
  }
  return records
}

const cell = (raw: string): unknown => {
  const t = raw.trim()
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(t) || /^[[{]/.test(t)) {
    try {
      return JSON.parse(t) as unknown
    } catch {}
  }
  return raw
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return
    const next = node[key]
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>
  }
  const last = path.at(-1)
  if (last !== undefined && last !== '__proto__' && last !== 'constructor' && last !== 'prototype') node[last] = value
}

/**
 * Reads CSV with a header row. Columns: `type`, `source`, `id`, `time`, `storeId`, `subject`,
 * `correlationId`, `causationId`, `identity.<kind>`, `location.lat`/`location.lon`, `data` (a JSON
 * object) and `data.<path>` (numbers, booleans and JSON in cells are parsed). Empty cells are left out.
 */
export async function* readCsv(path: string): AsyncGenerator<EventRecord> {
  const records = parseCsv(await readFile(path, 'utf8'))
  const header = records.shift()
  if (!header) return
  const columns = header.fields.map((f) => f.trim())
  for (const { line, fields } of records) {
    const event: Record<string, unknown> = {}
    let error: string | undefined
    columns.forEach((column, i) => {
      const raw = fields[i] ?? ''
      if (raw === '') return
      if (column === 'data') {
        const parsed = cell(raw)
        if (typeof parsed !== 'object' || parsed === null) error = 'the data column must hold a JSON object'
        else event['data'] = { ...(event['data'] as object | undefined), ...parsed }
      } else if (column.startsWith('identity.')) setPath(event, ['identity', column.slice(9)], raw.trim())
      else if (column.startsWith('location.')) setPath(event, ['location', column.slice(9)], Number(raw))
      else if (column.startsWith('data.')) setPath(event, ['data', ...column.slice(5).split('.')], cell(raw))
      else event[column] = raw.trim()
    })
    yield error ? { line, error, bytes: fields.join(',').length + 1 } : { line, item: event, bytes: fields.join(',').length + 1 }
  }
}

/** Reads an event file in the given (or guessed) format. */
export function readEvents(path: string, format: EventFileFormat = formatOf(path)): AsyncGenerator<EventRecord> {
  return format === 'csv' ? readCsv(path) : readNdjson(path)
}
