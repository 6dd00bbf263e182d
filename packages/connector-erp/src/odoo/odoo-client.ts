import { fetchWithRetry, HttpStatusError, type FetchLike, type RetryPolicy } from '@omotenashi/core'

/** An Odoo domain: conditions in prefix notation (`['|', [...], [...]]`). */
export type OdooDomain = ReadonlyArray<string | readonly [string, string, unknown]>

/** What the Odoo feed calls. Pass your own, or use {@link OdooJson2Client}. */
export interface OdooClient {
  /** `model.method` with keyword arguments (`ids` and `context` included). */
  call<T>(model: string, method: string, params: Readonly<Record<string, unknown>>): Promise<T>
}

/** Options of {@link OdooJson2Client}. */
export interface OdooJson2ClientOptions {
  /** The Odoo server, e.g. `https://mycompany.odoo.com`. */
  readonly url: string
  /** A user API key. */
  readonly apiKey: string
  /** `X-Odoo-Database`, when the server hosts several. */
  readonly database?: string
  readonly fetch?: FetchLike
  readonly retry?: RetryPolicy
}

/**
 * A client of Odoo's External JSON-2 API (Odoo 19+): `POST /json/2/<model>/<method>` with the
 * keyword arguments as the JSON body and `Authorization: bearer <API key>`; errors come back as
 * HTTP status codes with a JSON body.
 */
export class OdooJson2Client implements OdooClient {
  readonly #o: OdooJson2ClientOptions
  readonly #fetch: FetchLike

  constructor(options: OdooJson2ClientOptions) {
    this.#o = options
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  async call<T>(model: string, method: string, params: Readonly<Record<string, unknown>>): Promise<T> {
    const url = `${this.#o.url.replace(/\/+$/, '')}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`
    const response = await fetchWithRetry(
      this.#fetch,
      url,
      {
        method: 'POST',
        headers: {
          authorization: `bearer ${this.#o.apiKey}`,
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'omotenashi-connector-erp',
          ...(this.#o.database === undefined ? {} : { 'x-odoo-database': this.#o.database }),
        },
        body: JSON.stringify(params),
      },
      this.#o.retry,
    )
    if (!response.ok) {
      let detail = ''
      try {
        const body = (await response.json()) as { message?: unknown } | string
        detail = typeof body === 'string' ? body : String(body.message ?? '')
      } catch {}
      throw new HttpStatusError(response.status, url, detail.slice(0, 200))
    }
    return (await response.json()) as T
  }
}

/** Odoo's UTC datetime format (`2026-01-05 09:30:00`). */
export function odooDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/** An Odoo UTC datetime as ISO 8601. */
export function fromOdooDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const ms = Date.parse(`${value.replace(' ', 'T')}Z`)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}
