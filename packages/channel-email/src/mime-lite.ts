/**
 * Just enough MIME to read delivery status notifications (RFC 3464) and abuse reports
 * (RFC 5965): headers with folding, multipart bodies by boundary, base64 and quoted-printable.
 * Kept here rather than pulling a full mail parser into the runtime for a few structured parts.
 */

/** A parsed header block: lower-case names, every value in order. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>

/** One MIME entity. */
export interface MimeEntity {
  readonly headers: HeaderMap
  /** `type/subtype`, lower case. `text/plain` when absent. */
  readonly contentType: string
  /** Content-Type parameters, names lower case. */
  readonly params: Readonly<Record<string, string>>
  /** Decoded body (for non-multipart entities). */
  readonly body: string
  /** Child entities (multipart). */
  readonly parts: readonly MimeEntity[]
}

/** Parses a header block (no body), unfolding continuation lines. */
export function parseHeaderBlock(text: string): HeaderMap {
  const headers = new Map<string, string[]>()
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ')
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const list = headers.get(name)
    if (list) list.push(value)
    else headers.set(name, [value])
  }
  return headers
}

/** First value of a header. */
export function header(headers: HeaderMap, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0]
}

/** Splits `type/subtype; a=b; c="d"`. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} }
  const [type = 'text/plain', ...rest] = value.split(';')
  const params: Record<string, string> = {}
  for (const raw of rest) {
    const eq = raw.indexOf('=')
    if (eq < 0) continue
    const name = raw.slice(0, eq).trim().toLowerCase()
    let v = raw.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1')
    params[name] = v
  }
  return { type: type.trim().toLowerCase(), params }
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8')
    default:
      return body
  }
}

function splitHead(raw: string): [head: string, body: string] {
  const match = /\r?\n\r?\n/.exec(raw)
  if (!match) return [raw, '']
  return [raw.slice(0, match.index), raw.slice(match.index + match[0].length)]
}

/** Parses a whole message (or entity), recursing into multiparts up to `depth` levels. */
export function parseMime(raw: string, depth = 0): MimeEntity {
  const [head, rawBody] = splitHead(raw)
  const headers = parseHeaderBlock(head)
  const { type, params } = parseContentType(header(headers, 'content-type'))
  const boundary = params['boundary']
  if (type.startsWith('multipart/') && boundary && depth < 8) {
    const parts: MimeEntity[] = []
    const delimiter = `--${boundary}`
    const lines = rawBody.split(/\r?\n/)
    let current: string[] | undefined
    for (const line of lines) {
      if (line.startsWith(delimiter)) {
        if (current) parts.push(parseMime(current.join('\r\n'), depth + 1))
        current = line.slice(delimiter.length).startsWith('--') ? undefined : []
        if (current === undefined) break
        continue
      }
      current?.push(line)
    }
    return { headers, contentType: type, params, body: '', parts }
  }
  return { headers, contentType: type, params, body: decodeBody(rawBody, header(headers, 'content-transfer-encoding')), parts: [] }
}

/** Every entity in the tree, depth first. */
export function flatten(entity: MimeEntity): MimeEntity[] {
  return [entity, ...entity.parts.flatMap(flatten)]
}

/** Parses RFC 3464 / 5965 field groups: header blocks separated by blank lines. */
export function parseFieldGroups(body: string): HeaderMap[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((group) => group.trim())
    .filter((group) => group.length > 0)
    .map(parseHeaderBlock)
}
