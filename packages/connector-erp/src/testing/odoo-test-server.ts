import { createServer, type IncomingMessage } from 'node:http'
import { listenLocal, type LocalServer } from '@omotenashi/core/testing'

/** A record of the test server: an id and fields (many2one fields as `[id, name]`). */
export type OdooRecord = Record<string, unknown> & { id: number }

/** Options of {@link startOdooTestServer}. */
export interface OdooTestServerOptions {
  readonly apiKey: string
  readonly database?: string
  /** Records by model. */
  readonly records?: Readonly<Record<string, readonly OdooRecord[]>>
  /** many2one field → the model it points at (for dotted domain paths). Default: product_tmpl_id → product.template, product_id → product.product. */
  readonly relations?: Readonly<Record<string, string>>
  /** The server's clock (ms): stamps `write_date`. Default `Date.now`. */
  readonly now?: () => number
}

/** A running Odoo test server. */
export interface OdooTestServer extends LocalServer {
  /** Records by model, then id. */
  readonly models: Map<string, Map<number, OdooRecord>>
  /** Writes fields of a record and stamps `write_date` with the server's clock, as Odoo does. */
  write(model: string, id: number, values: Record<string, unknown>): void
  /** Every call: model, method and body. */
  readonly calls: Array<{ model: string; method: string; body: Record<string, unknown> }>
}

type Term = [string, string, unknown]

function odooNow(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * Starts a local stand-in for Odoo's External JSON-2 API, written from Odoo 19's documentation
 * ("External JSON-2 API": `POST /json/2/<model>/<method>`, `Authorization: bearer <key>`,
 * keyword arguments in the JSON body, the result as the JSON response, errors as HTTP status
 * codes) and the ORM reference for `search_read` / `read` and domains (prefix `&`, `|`, `!`).
 * A test double: the methods and domain operators the feed uses, nothing more.
 */
export async function startOdooTestServer(options: OdooTestServerOptions): Promise<OdooTestServer> {
  const now = options.now ?? Date.now
  const relations: Record<string, string> = { product_tmpl_id: 'product.template', product_id: 'product.product', ...options.relations }
  const models = new Map<string, Map<number, OdooRecord>>()
  for (const [model, records] of Object.entries(options.records ?? {})) models.set(model, new Map(records.map((r) => [r.id, { write_date: odooNow(now()), ...r }])))
  const calls: Array<{ model: string; method: string; body: Record<string, unknown> }> = []

  const resolve = (record: OdooRecord, path: string): unknown => {
    const [head, ...rest] = path.split('.')
    const value = record[head!]
    if (rest.length === 0) return value
    const target = relations[head!]
    const id = Array.isArray(value) ? value[0] : value
    const related = target === undefined ? undefined : models.get(target)?.get(Number(id))
    return related === undefined ? undefined : resolve(related, rest.join('.'))
  }
  const test = (record: OdooRecord, [field, op, value]: Term): boolean => {
    let v = resolve(record, field)
    if (Array.isArray(v) && typeof v[0] === 'number') v = v[0]
    switch (op) {
      case '=':
        return v === value
      case '!=':
        return v !== value
      case '>':
        return (v as number) > (value as number)
      case '>=':
        return (v as number) >= (value as number)
      case '<':
        return (v as number) < (value as number)
      case '<=':
        return (v as number) <= (value as number)
      case 'in':
        return (value as unknown[]).includes(v)
      case 'not in':
        return !(value as unknown[]).includes(v)
      default:
        throw new Error(`unsupported operator ${op}`)
    }
  }
  // Prefix notation; consecutive terms are joined by an implicit '&'.
  const evaluate = (record: OdooRecord, domain: unknown[]): boolean => {
    let i = 0
    const next = (): boolean => {
      const item = domain[i++]
      if (item === '&') return [next(), next()].every(Boolean)
      if (item === '|') {
        const a = next()
        const b = next()
        return a || b
      }
      if (item === '!') return !next()
      if (!Array.isArray(item) || item.length !== 3) throw new Error('invalid domain term')
      return test(record, item as Term)
    }
    let result = true
    while (i < domain.length) result = next() && result
    return result
  }
  const pick = (record: OdooRecord, fields: unknown): Record<string, unknown> => {
    if (!Array.isArray(fields) || fields.length === 0) return record
    const out: Record<string, unknown> = { id: record.id }
    for (const f of fields as string[]) out[f] = record[f] ?? false
    return out
  }

  async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
    let text = ''
    for await (const chunk of request) text += String(chunk)
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
  }

  const server = createServer((request, response) => {
    void (async () => {
      const send = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
      const m = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(request.url ?? '')
      if (request.method !== 'POST' || !m) return send(404, { name: 'werkzeug.exceptions.NotFound', message: 'Not Found' })
      if (request.headers.authorization?.toLowerCase() !== `bearer ${options.apiKey}`.toLowerCase()) return send(401, { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' })
      if (options.database !== undefined && request.headers['x-odoo-database'] !== options.database) return send(404, { name: 'werkzeug.exceptions.NotFound', message: 'database not found' })
      const model = decodeURIComponent(m[1]!)
      const method = decodeURIComponent(m[2]!)
      let body: Record<string, unknown>
      try {
        body = await readJson(request)
      } catch {
        return send(400, { name: 'werkzeug.exceptions.BadRequest', message: 'invalid JSON' })
      }
      calls.push({ model, method, body })
      const table = models.get(model)
      if (!table) return send(404, { name: 'werkzeug.exceptions.NotFound', message: `model ${model} not found` })
      try {
        if (method === 'search_read') {
          for (const key of Object.keys(body)) if (!['domain', 'fields', 'offset', 'limit', 'order', 'context'].includes(key)) return send(422, `got an unexpected keyword argument '${key}'`)
          const order = String(body['order'] ?? 'id asc').split(',')[0]!.trim().split(/\s+/)
          const [field, dir] = [order[0]!, (order[1] ?? 'asc').toLowerCase()]
          const rows = [...table.values()]
            .filter((r) => evaluate(r, (body['domain'] as unknown[]) ?? []))
            .sort((a, b) => {
              const x = a[field] as number | string
              const y = b[field] as number | string
              return (x < y ? -1 : x > y ? 1 : a.id - b.id) * (dir === 'desc' ? -1 : 1)
            })
          const offset = Number(body['offset'] ?? 0)
          const limit = body['limit'] === undefined || body['limit'] === null ? rows.length : Number(body['limit'])
          return send(200, rows.slice(offset, offset + limit).map((r) => pick(r, body['fields'])))
        }
        if (method === 'read') {
          const ids = (body['ids'] as number[]) ?? []
          return send(200, ids.map((id) => table.get(id)).filter((r): r is OdooRecord => r !== undefined).map((r) => pick(r, body['fields'])))
        }
        return send(422, `method ${method} is not available in this test server`)
      } catch (error) {
        return send(422, { name: 'builtins.ValueError', message: (error as Error).message })
      }
    })()
  })
  const local = await listenLocal(server)
  return {
    ...local,
    models,
    calls,
    write(model, id, values) {
      const table = models.get(model)
      const record = table?.get(id)
      if (!table || !record) throw new Error(`no ${model} ${id}`)
      table.set(id, { ...record, ...values, write_date: odooNow(now()) })
    },
  }
}
