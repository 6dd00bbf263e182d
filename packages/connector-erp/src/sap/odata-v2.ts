import { fetchWithRetry, HttpStatusError, type FetchLike, type RetryPolicy } from '@omotenashi/core'

/** Options of {@link ODataV2Client}. */
export interface ODataV2ClientOptions {
  /** The system's root, e.g. `https://my-s4.example.com` (services live under `/sap/opu/odata/sap/`). */
  readonly url: string
  /** Basic auth of a communication user. */
  readonly username?: string
  readonly password?: string
  /** Extra headers (e.g. an OAuth bearer token from your destination service). */
  readonly headers?: Readonly<Record<string, string>>
  /** `sap-client` query parameter. */
  readonly sapClient?: string
  readonly fetch?: FetchLike
  readonly retry?: RetryPolicy
}

/** A query of an entity set. */
export interface ODataQuery {
  readonly filter?: string
  readonly select?: readonly string[]
  readonly expand?: readonly string[]
  readonly orderby?: string
  /** Page size (`$top`). */
  readonly pageSize: number
}

/**
 * A small reader of SAP OData V2 services in JSON (`$format=json`): pages with `$top`/`$skip`,
 * or follows the server's `__next` link when it pages by itself (`$skiptoken`).
 */
export class ODataV2Client {
  readonly #o: ODataV2ClientOptions
  readonly #fetch: FetchLike

  constructor(options: ODataV2ClientOptions) {
    this.#o = options
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  #headers(): Record<string, string> {
    const auth = this.#o.username === undefined ? {} : { authorization: `Basic ${Buffer.from(`${this.#o.username}:${this.#o.password ?? ''}`).toString('base64')}` }
    return { accept: 'application/json', ...auth, ...this.#o.headers }
  }

  async #get(url: string): Promise<{ results: Array<Record<string, unknown>>; next: string | undefined }> {
    const response = await fetchWithRetry(this.#fetch, url, { method: 'GET', headers: this.#headers() }, this.#o.retry)
    if (!response.ok) {
      let detail = ''
      try {
        const body = (await response.json()) as { error?: { message?: { value?: string } } }
        detail = body.error?.message?.value ?? ''
      } catch {}
      throw new HttpStatusError(response.status, url, detail.slice(0, 200))
    }
    const body = (await response.json()) as { d?: { results?: unknown; __next?: unknown } | Array<Record<string, unknown>> }
    const d = body.d
    const results = Array.isArray(d) ? d : Array.isArray(d?.results) ? (d.results as Array<Record<string, unknown>>) : undefined
    if (!results) throw new Error(`OData response from ${url.split('?')[0]} has no d.results`)
    const next = !Array.isArray(d) && typeof d?.__next === 'string' ? d.__next : undefined
    return { results, next }
  }

  /** Reads every entity of `service/entitySet` matching the query, page by page. */
  async *read(service: string, entitySet: string, query: ODataQuery): AsyncGenerator<Array<Record<string, unknown>>> {
    const base = `${this.#o.url.replace(/\/+$/, '')}/sap/opu/odata/sap/${service}/${entitySet}`
    const params = (skip: number): string => {
      const p = new URLSearchParams({ $format: 'json', $top: String(query.pageSize), $skip: String(skip), $inlinecount: 'none' })
      if (query.filter) p.set('$filter', query.filter)
      if (query.select?.length) p.set('$select', query.select.join(','))
      if (query.expand?.length) p.set('$expand', query.expand.join(','))
      if (query.orderby) p.set('$orderby', query.orderby)
      if (this.#o.sapClient) p.set('sap-client', this.#o.sapClient)
      return p.toString()
    }
    let skip = 0
    for (;;) {
      // One client page ($top); the server may split it further with __next links.
      let url: string | undefined = `${base}?${params(skip)}`
      let got = 0
      while (url !== undefined) {
        const { results, next } = await this.#get(url)
        got += results.length
        if (results.length > 0) yield results
        url = next === undefined ? undefined : new URL(next, `${base}/`).toString()
      }
      if (got < query.pageSize) return
      skip += got
    }
  }
}

/** Reads OData V2 JSON dates (`/Date(1767225600000)/`, `/Date(1767225600000+0540)/`) as epoch ms. */
export function fromODataDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(value)
  if (m) return Number(m[1])
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** An OData V2 `datetimeoffset'…'` literal. */
export function dateTimeOffsetLiteral(ms: number): string {
  return `datetimeoffset'${new Date(ms).toISOString().slice(0, 19)}Z'`
}

/** Quotes a string for an OData filter. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}
