import * as z from 'zod'
import { fetchWithRetry, HttpStatusError, type FetchLike, type RetryPolicy } from '@omotenashi/core'

/** One line of a Smaregi transaction (取引明細). Numbers come as strings. */
export const SmaregiDetailSchema = z.looseObject({
  transactionDetailId: z.string().nullish(),
  transactionDetailDivision: z.string().nullish(),
  productId: z.string().nullish(),
  productCode: z.string().nullish(),
  productName: z.string().nullish(),
  salesPrice: z.string().nullish(),
  quantity: z.string(),
})

/** A Smaregi transaction head (取引) with its details (`with_details=all`). */
export const SmaregiTransactionSchema = z.looseObject({
  transactionHeadId: z.string(),
  transactionDateTime: z.string().nullish(),
  terminalTranDateTime: z.string().nullish(),
  transactionHeadDivision: z.string().nullish(),
  cancelDivision: z.string().nullish(),
  storeId: z.string().nullish(),
  customerId: z.string().nullish(),
  customerCode: z.string().nullish(),
  total: z.string().nullish(),
  details: z.array(SmaregiDetailSchema).nullish(),
})

/** A Smaregi transaction. */
export type SmaregiTransaction = z.infer<typeof SmaregiTransactionSchema>

/** Options of {@link SmaregiApi}. */
export interface SmaregiApiOptions {
  readonly contractId: string
  readonly clientId: string
  readonly clientSecret: string
  /** Smaregi ID (token) root. Default `https://id.smaregi.jp` (sandbox `https://id.smaregi.dev`). */
  readonly idBaseUrl?: string
  /** Platform API root. Default `https://api.smaregi.jp` (sandbox `https://api.smaregi.dev`). */
  readonly apiBaseUrl?: string
  /** Scopes asked for. Default `pos.transactions:read`. */
  readonly scope?: string
  /** Client-side ceiling on requests per second (the API rate-limits per contract). Default 10. */
  readonly maxRequestsPerSecond?: number
  /** Page size (the API allows up to 1000). Default 1000. */
  readonly pageSize?: number
  readonly fetch?: FetchLike
  readonly retry?: RetryPolicy
  /** Milliseconds since the epoch (tests inject a clock). */
  readonly now?: () => number
}

/** The longest period the transactions list accepts in one query. */
export const SMAREGI_MAX_WINDOW_DAYS = 31

/**
 * Splits `[from, to)` into windows of at most 31 days, the longest the transactions list
 * accepts.
 */
export function smaregiWindows(from: Date, to: Date, days = SMAREGI_MAX_WINDOW_DAYS): Array<{ from: Date; to: Date }> {
  const windows: Array<{ from: Date; to: Date }> = []
  const step = days * 86_400_000
  for (let start = from.getTime(); start < to.getTime(); start += step) {
    windows.push({ from: new Date(start), to: new Date(Math.min(start + step, to.getTime())) })
  }
  return windows
}

/** Smaregi's date-time format (`YYYY-MM-DDThh:mm:ss+09:00`): the API wants an offset, and JST is what stores read. */
export function smaregiDateTime(date: Date): string {
  const jst = new Date(date.getTime() + 9 * 3_600_000)
  return `${jst.toISOString().slice(0, 19)}+09:00`
}

/**
 * A small client of the Smaregi Platform API: OAuth2 client credentials (cached until shortly
 * before expiry, renewed on 401), retries on 429/5xx honouring `Retry-After`, a client-side
 * request rate ceiling, paging, and 31-day windows.
 */
export class SmaregiApi {
  readonly #o: SmaregiApiOptions
  readonly #fetch: FetchLike
  readonly #now: () => number
  #token: { value: string; expiresAt: number } | undefined
  #nextSlot = 0

  constructor(options: SmaregiApiOptions) {
    this.#o = options
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
    this.#now = options.now ?? Date.now
  }

  get #api(): string {
    return `${(this.#o.apiBaseUrl ?? 'https://api.smaregi.jp').replace(/\/+$/, '')}/${encodeURIComponent(this.#o.contractId)}/pos`
  }

  async #throttle(): Promise<void> {
    const gap = 1000 / (this.#o.maxRequestsPerSecond ?? 10)
    const now = Date.now()
    const slot = Math.max(now, this.#nextSlot)
    this.#nextSlot = slot + gap
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now))
  }

  async #accessToken(force = false): Promise<string> {
    if (!force && this.#token && this.#token.expiresAt > this.#now()) return this.#token.value
    const url = `${(this.#o.idBaseUrl ?? 'https://id.smaregi.jp').replace(/\/+$/, '')}/app/${encodeURIComponent(this.#o.contractId)}/token`
    const basic = Buffer.from(`${this.#o.clientId}:${this.#o.clientSecret}`).toString('base64')
    await this.#throttle()
    const response = await fetchWithRetry(
      this.#fetch,
      url,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: this.#o.scope ?? 'pos.transactions:read' }).toString(),
      },
      this.#o.retry,
    )
    if (!response.ok) throw new HttpStatusError(response.status, url, 'token request refused')
    const body = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().positive() }).parse(await response.json())
    // Renew a minute early so a token never expires between the check and the call.
    this.#token = { value: body.access_token, expiresAt: this.#now() + Math.max(0, body.expires_in - 60) * 1000 }
    return body.access_token
  }

  async #get(path: string, query: Record<string, string>): Promise<{ body: unknown; response: Response }> {
    const url = `${this.#api}${path}?${new URLSearchParams(query).toString()}`
    for (let attempt = 0; ; attempt++) {
      const token = await this.#accessToken(attempt > 0)
      await this.#throttle()
      const response = await fetchWithRetry(this.#fetch, url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, this.#o.retry)
      if (response.status === 401 && attempt === 0) continue
      if (!response.ok) throw new HttpStatusError(response.status, url)
      return { body: await response.json(), response }
    }
  }

  /** One transaction with its details. */
  async transaction(transactionHeadId: string): Promise<SmaregiTransaction> {
    const { body } = await this.#get(`/transactions/${encodeURIComponent(transactionHeadId)}`, { with_details: 'all' })
    return SmaregiTransactionSchema.parse(body)
  }

  /** Every transaction sent to the server in `[from, to)`, page by page, window by window. */
  async *transactions(from: Date, to: Date): AsyncGenerator<SmaregiTransaction> {
    const limit = this.#o.pageSize ?? 1000
    for (const window of smaregiWindows(from, to)) {
      for (let page = 1; ; page++) {
        const { body } = await this.#get('/transactions', {
          'transaction_date_time-from': smaregiDateTime(window.from),
          // The upper bound is inclusive on Smaregi's side: stop one second early to keep windows disjoint.
          'transaction_date_time-to': smaregiDateTime(new Date(window.to.getTime() - 1000)),
          sort: 'transactionDateTime',
          with_details: 'all',
          limit: String(limit),
          page: String(page),
        })
        const rows = z.array(SmaregiTransactionSchema).parse(body)
        for (const row of rows) yield row
        if (rows.length < limit) break
      }
    }
  }
}
