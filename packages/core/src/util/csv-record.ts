/**
 * Splits one CSV record into its fields (RFC 4180: quoted fields, `""` inside quotes is a
 * quote, delimiters and newlines inside quotes are data). A record without quotes takes a plain
 * `split`, the fast path for the large, plain exports connectors read; hand-written rather than a
 * CSV library because callers track the line each record starts on themselves (see
 * {@link hasOpenQuote}).
 */
export function splitCsvRecord(record: string, delimiter = ','): string[] {
  if (!record.includes('"')) return record.split(delimiter)
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!
    if (quoted) {
      if (c === '"') {
        if (record[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
    } else if (c === '"') quoted = true
    else if (c === delimiter) {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

/**
 * Whether `text` ends inside a quoted field (it holds an odd number of `"`): a record read up
 * to a newline is then not finished, because a quoted field may hold a newline.
 */
export function hasOpenQuote(text: string): boolean {
  let open = false
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) open = !open
  return open
}
