import { createServer } from 'node:http'
import { listenLocal, type LocalServer } from '@omotenashi/core/testing'

/** A row of `A_MatlStkInAcctMod` (quantities as decimal strings, as OData V2 sends Edm.Decimal). */
export interface SapStockRow {
  Material: string
  Plant: string
  StorageLocation: string
  InventoryStockType: string
  MatlWrhsStkQtyInMatlBaseUnit: string
  MaterialBaseUnit?: string
  Batch?: string
}

/** A sales price condition record with its validity rows (dates as epoch ms here; served as `/Date(ms)/`). */
export interface SapConditionRecord {
  ConditionRecord: string
  ConditionType: string
  ConditionRateValue: string
  ConditionRateValueUnit: string
  ConditionIsDeleted?: boolean
  LastChangeDateTime: number
  validity: Array<{ Material: string; SalesOrganization?: string; DistributionChannel?: string; ConditionValidityStartDate: number; ConditionValidityEndDate: number }>
}

/** Options of {@link startSapTestServer}. */
export interface SapTestServerOptions {
  readonly username: string
  readonly password: string
  readonly stock?: SapStockRow[]
  readonly conditions?: SapConditionRecord[]
  /** Most entities per response; a larger `$top` is answered with `__next` (server-driven paging). */
  readonly serverPageSize?: number
}

/** A running SAP test server. */
export interface SapTestServer extends LocalServer {
  readonly stock: SapStockRow[]
  readonly conditions: SapConditionRecord[]
  /** Requests: entity set and query. */
  readonly requests: Array<{ entitySet: string; query: URLSearchParams }>
}

type Row = Record<string, unknown>

/** A tiny `$filter` evaluator: `and`, `or`, parentheses, `eq ne gt ge lt le`, string and `datetimeoffset'…'` literals. */
function compileFilter(text: string): (row: Row) => boolean {
  const tokens = text.match(/\(|\)|datetimeoffset'[^']*'|datetime'[^']*'|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?/g) ?? []
  let i = 0
  const peek = (): string | undefined => tokens[i]
  const literal = (token: string): unknown => {
    if (token.startsWith('datetimeoffset') || token.startsWith('datetime')) return Date.parse(token.slice(token.indexOf("'") + 1, -1))
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'")
    return Number(token)
  }
  type Node = (row: Row) => boolean
  const primary = (): Node => {
    if (peek() === '(') {
      i++
      const inner = or()
      if (tokens[i++] !== ')') throw new Error('unbalanced parentheses in $filter')
      return inner
    }
    const field = tokens[i++]!
    const op = tokens[i++]!
    const value = literal(tokens[i++]!)
    return (row) => {
      const v = row[field]
      switch (op) {
        case 'eq':
          return v === value
        case 'ne':
          return v !== value
        case 'gt':
          return (v as number) > (value as number)
        case 'ge':
          return (v as number) >= (value as number)
        case 'lt':
          return (v as number) < (value as number)
        case 'le':
          return (v as number) <= (value as number)
        default:
          throw new Error(`unsupported operator ${op}`)
      }
    }
  }
  const and = (): Node => {
    let left = primary()
    while (peek() === 'and') {
      i++
      const a = left
      const b = primary()
      left = (row) => a(row) && b(row)
    }
    return left
  }
  const or = (): Node => {
    let left = and()
    while (peek() === 'or') {
      i++
      const a = left
      const b = and()
      left = (row) => a(row) || b(row)
    }
    return left
  }
  const node = or()
  if (i !== tokens.length) throw new Error('unexpected tokens in $filter')
  return node
}

const odataDate = (ms: number): string => `/Date(${ms})/`

/**
 * Starts a local stand-in for two SAP S/4HANA OData V2 services, written from SAP's public API
 * documentation (SAP Business Accelerator Hub: "Material Stock – Read" `API_MATERIAL_STOCK_SRV`
 * with `A_MatlStkInAcctMod`; "Sales Pricing Condition Record" `API_SLSPRICINGCONDITIONRECORD_SRV`
 * with `A_SlsPrcgConditionRecord` and `to_SlsPrcgCndnRecdValidity`) and the OData V2 JSON format
 * (`{ d: { results, __next } }`, `/Date(ms)/`, decimals as strings, `$top/$skip/$filter/$orderby/
 * $expand/$select`). Basic auth. A test double: the queries the feed makes, nothing more.
 */
export async function startSapTestServer(options: SapTestServerOptions): Promise<SapTestServer> {
  const stock = options.stock ?? []
  const conditions = options.conditions ?? []
  const requests: Array<{ entitySet: string; query: URLSearchParams }> = []
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    const error = (status: number, message: string): void => send(status, { error: { code: String(status), message: { lang: 'en', value: message } } })
    if (request.headers.authorization !== expected) return error(401, 'Unauthorized')
    const url = new URL(request.url ?? '/', 'http://localhost')
    const m = /^\/sap\/opu\/odata\/sap\/([A-Z_]+)\/([A-Za-z_]+)$/.exec(url.pathname)
    if (!m) return error(404, 'Resource not found')
    const [, service, entitySet] = m as unknown as [string, string, string]
    const q = url.searchParams
    requests.push({ entitySet, query: q })
    if (q.get('$format') !== 'json') return error(406, 'only $format=json is served here')
    let rows: Row[]
    if (service === 'API_MATERIAL_STOCK_SRV' && entitySet === 'A_MatlStkInAcctMod') rows = stock.map((r) => ({ ...r }))
    else if (service === 'API_SLSPRICINGCONDITIONRECORD_SRV' && entitySet === 'A_SlsPrcgConditionRecord') rows = conditions.map((c) => ({ ...c }))
    else return error(404, `Resource ${entitySet} not found`)
    try {
      const filter = q.get('$filter')
      if (filter) rows = rows.filter(compileFilter(filter))
    } catch (e) {
      return error(400, `Invalid filter: ${(e as Error).message}`)
    }
    const orderby = q.get('$orderby')
    if (orderby) {
      const keys = orderby.split(',').map((k) => k.trim().split(/\s+/) as [string, string?])
      rows.sort((a, b) => {
        for (const [k, dir] of keys) {
          const x = a[k] as string | number
          const y = b[k] as string | number
          if (x !== y) return (x < y ? -1 : 1) * (dir === 'desc' ? -1 : 1)
        }
        return 0
      })
    }
    const skipToken = Number(q.get('$skiptoken') ?? '0')
    const skip = Number(q.get('$skip') ?? '0') + skipToken
    const top = q.has('$top') ? Number(q.get('$top')) : rows.length
    const limit = Math.min(top - skipToken, options.serverPageSize ?? Infinity)
    const page = rows.slice(skip, skip + limit)
    const expand = (q.get('$expand') ?? '').split(',').includes('to_SlsPrcgCndnRecdValidity')
    const select = q.get('$select')?.split(',')
    const shaped = page.map((row) => {
      const out: Row = { __metadata: { type: `${service}.${entitySet}Type` } }
      for (const [k, v] of Object.entries(row)) {
        if (k === 'validity') continue
        if (select && !select.includes(k)) continue
        out[k] = k === 'LastChangeDateTime' ? odataDate(v as number) : v
      }
      if ('validity' in row) {
        out['to_SlsPrcgCndnRecdValidity'] = expand
          ? { results: (row['validity'] as SapConditionRecord['validity']).map((v) => ({ ...v, ConditionValidityStartDate: odataDate(v.ConditionValidityStartDate), ConditionValidityEndDate: odataDate(v.ConditionValidityEndDate) })) }
          : { __deferred: { uri: 'to_SlsPrcgCndnRecdValidity' } }
      }
      return out
    })
    const more = skipToken + limit < top && skip + limit < rows.length && options.serverPageSize !== undefined && top > options.serverPageSize
    const d: Row = { results: shaped }
    if (more) {
      const next = new URLSearchParams(q)
      next.set('$skiptoken', String(skipToken + limit))
      d['__next'] = `${url.pathname}?${next.toString()}`
    }
    send(200, { d })
  })
  const local = await listenLocal(server)
  return { ...local, stock, conditions, requests }
}
