import { fetchWithRetry, HttpStatusError, type FetchLike, type RetryPolicy } from '@omotenashi/core'
import { SquareOrderSchema, type SquareOrder } from './square-schemas.js'

/**
 * What the Square connector asks Square's API. Webhooks carry no line items, so purchases need
 * the order. Pass your own (e.g. a wrapper around the official `square` SDK) or let
 * {@link squareHttpApi} call the REST API.
 */
export interface SquareApi {
  /** The order with this id. */
  retrieveOrder(orderId: string): Promise<SquareOrder>
}

/** Options of {@link squareHttpApi}. */
export interface SquareHttpApiOptions {
  /** A Square access token with ORDERS_READ. */
  readonly accessToken: string
  /** API root. Default `https://connect.squareup.com` (sandbox: `https://connect.squareupsandbox.com`). */
  readonly baseUrl?: string
  /** `Square-Version` header. Default `2025-08-20`, the version the connector was written against. */
  readonly version?: string
  /** Your own fetch. */
  readonly fetch?: FetchLike
  /** Retries on 429 and 5xx. */
  readonly retry?: RetryPolicy
}

/** A {@link SquareApi} on Square's REST API (`GET /v2/orders/{order_id}`), with retries. */
export function squareHttpApi(options: SquareHttpApiOptions): SquareApi {
  const base = (options.baseUrl ?? 'https://connect.squareup.com').replace(/\/+$/, '')
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init))
  return {
    async retrieveOrder(orderId) {
      const url = `${base}/v2/orders/${encodeURIComponent(orderId)}`
      const response = await fetchWithRetry(
        fetchFn,
        url,
        {
          method: 'GET',
          headers: { authorization: `Bearer ${options.accessToken}`, 'square-version': options.version ?? '2025-08-20', accept: 'application/json' },
        },
        options.retry,
      )
      if (!response.ok) throw new HttpStatusError(response.status, url)
      const body = (await response.json()) as { order?: unknown }
      const parsed = SquareOrderSchema.safeParse(body.order)
      if (!parsed.success) throw new Error(`Square returned an order that cannot be read: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
      return parsed.data
    },
  }
}
