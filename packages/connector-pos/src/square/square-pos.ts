import { functionOption, objectWithMethods, parseOptions } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import { LatestWins } from '../latest-wins.js'
import { commonSourceOptions, storeOf } from '../options.js'
import { header, hmacSha256Base64, safeEqual } from '../signature.js'
import { SourceConnector, type DeliveryReport, type MapHook, type Produced } from '../source-connector.js'
import { PosTokens } from '../tokens.js'
import { BadRequestError, parseJsonBody, SignatureError, type WebhookRequest } from '../webhook-route.js'
import { webhookSourceModule } from '../webhook-module.js'
import type { FetchLike } from '@omotenashi/core'
import { squareHttpApi, type SquareApi } from './square-api.js'
import { squareCustomerTraits, squarePurchase, squareReturn, type SquareMappingContext } from './square-mapping.js'
import {
  SquareCustomerSchema,
  SquareInventoryCountSchema,
  SquareNotificationSchema,
  SquarePaymentSchema,
  SquareRefundSchema,
  type SquareNotification,
} from './square-schemas.js'

/** Options of {@link squarePos}. */
export const SquarePosOptionsSchema = z.object({
  ...commonSourceOptions,
  /** The subscription's signature key (Square Developer Dashboard → Webhooks). */
  signatureKey: z.string().min(1, 'is required'),
  /** The exact notification URL registered with Square: it is part of what is signed. */
  notificationUrl: z.url('must be the absolute URL registered with Square'),
  /** An access token with ORDERS_READ, to fetch orders (webhooks carry no line items). */
  accessToken: z.string().min(1).optional(),
  /** Square API root (sandbox or a test server). */
  apiBaseUrl: z.url().optional(),
  /** A ready-made Square API client (instead of `accessToken`). */
  api: objectWithMethods<SquareApi>('retrieveOrder').optional(),
  /** Your own fetch for the REST calls. */
  fetch: functionOption<FetchLike>().optional(),
  /** Route path the webhook is mounted at. Default `/webhooks/square`. */
  path: z.string().startsWith('/').default('/webhooks/square'),
})

/** Options of {@link squarePos}. */
export type SquarePosOptions = z.input<typeof SquarePosOptionsSchema> & { readonly map?: MapHook }

/** A webhook the connector read and left alone (not an event it handles), and why. */
export type SquareWebhookIgnored = { readonly status: 'ignored'; readonly reason: string }

/**
 * Square as a source: verifies `x-square-hmacsha256-signature` (base64 HMAC-SHA256 of the
 * notification URL + raw body, keyed by the signature key) in constant time, dedupes by
 * `event_id`, and maps payments (with their orders), refunds, customers and inventory counts
 * to canonical events.
 */
export class SquarePosConnector extends SourceConnector {
  readonly #options: z.output<typeof SquarePosOptionsSchema>
  readonly #api: SquareApi | undefined
  readonly #context: SquareMappingContext
  readonly #customers = new LatestWins()
  readonly #purchased: Set<string> = new Set()

  constructor(options: z.output<typeof SquarePosOptionsSchema>) {
    super(options.id ?? 'square', { dedupeSize: options.dedupeSize, map: options.map })
    this.#options = options
    this.#api =
      options.api ??
      (options.accessToken === undefined
        ? undefined
        : squareHttpApi({
            accessToken: options.accessToken,
            ...(options.apiBaseUrl === undefined ? {} : { baseUrl: options.apiBaseUrl }),
            ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          }))
    this.#context = { source: options.source, identityKind: options.identityKind, storeOf: (location) => storeOf(options.locations, location) }
  }

  /** Verifies the signature of a raw body; throws {@link SignatureError} if forged. */
  verify(body: Buffer, signature: string | undefined): void {
    const expected = hmacSha256Base64(this.#options.signatureKey, this.#options.notificationUrl, body)
    if (!safeEqual(signature, expected)) throw new SignatureError('x-square-hmacsha256-signature does not match')
  }

  /** Handles one webhook request (the route calls this). */
  async handleWebhook(request: WebhookRequest): Promise<DeliveryReport | SquareWebhookIgnored> {
    this.verify(request.body, header(request.headers, 'x-square-hmacsha256-signature'))
    const parsed = SquareNotificationSchema.safeParse(parseJsonBody(request.body))
    if (!parsed.success) throw new BadRequestError(`not a Square notification: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    const notification = parsed.data
    let ignored: string | undefined
    const report = await this.deliver(notification.event_id, async () => {
      const result = await this.#produce(notification)
      if (typeof result === 'string') {
        ignored = result
        return []
      }
      return result
    })
    return ignored !== undefined && report.status === 'accepted' ? { status: 'ignored', reason: ignored } : report
  }

  async #produce(n: SquareNotification): Promise<Produced[] | string> {
    const object = n.data?.object ?? {}
    switch (n.type) {
      case 'payment.created':
      case 'payment.updated': {
        const payment = SquarePaymentSchema.safeParse(object['payment'])
        if (!payment.success) throw new BadRequestError('payment notification without a payment')
        if (payment.data.status !== 'COMPLETED') return `payment status ${payment.data.status ?? 'unknown'}`
        if (!payment.data.order_id) return 'payment without an order'
        return this.#purchase(payment.data.order_id, payment.data, n)
      }
      case 'order.updated':
      case 'order.created': {
        const key = n.type === 'order.updated' ? 'order_updated' : 'order_created'
        const summary = (object[key] ?? {}) as { order_id?: string; state?: string }
        if (summary.state !== 'COMPLETED' || !summary.order_id) return `order state ${summary.state ?? 'unknown'}`
        return this.#purchase(summary.order_id, undefined, n)
      }
      case 'refund.created':
      case 'refund.updated': {
        const refund = SquareRefundSchema.safeParse(object['refund'])
        if (!refund.success) throw new BadRequestError('refund notification without a refund')
        if (refund.data.status !== 'COMPLETED') return `refund status ${refund.data.status ?? 'unknown'}`
        if (!refund.data.order_id) return 'refund without an order'
        const api = this.#requireApi()
        if (typeof api === 'string') return api
        const order = await api.retrieveOrder(refund.data.order_id)
        const event = squareReturn(order, refund.data.id, refund.data.updated_at ?? refund.data.created_at, this.#context)
        return event ? [{ event, raw: { refund: refund.data, order } }] : 'refund without itemised returns or customer'
      }
      case 'customer.created':
      case 'customer.updated': {
        const customer = SquareCustomerSchema.safeParse(object['customer'])
        if (!customer.success) throw new BadRequestError('customer notification without a customer')
        const version = customer.data.version ?? Date.parse(customer.data.updated_at ?? n.created_at ?? '') ?? 0
        if (!this.#customers.accept(customer.data.id, Number.isFinite(version) ? version : 0)) return 'stale customer version'
        return [{ event: squareCustomerTraits(customer.data, n.event_id, n.created_at, this.#context), raw: customer.data }]
      }
      case 'inventory.count.updated': {
        const counts = z.array(SquareInventoryCountSchema).safeParse(object['inventory_counts'])
        if (!counts.success) throw new BadRequestError('inventory notification without counts')
        return counts.data
          .filter((c) => c.state === 'IN_STOCK' && c.catalog_object_id && c.quantity !== null && c.quantity !== undefined)
          .map((c, i) => {
            const storeId = this.#context.storeOf(c.location_id)
            const time = c.calculated_at ?? n.created_at
            return {
              event: {
                id: `square:inventory:${n.event_id}:${i}`,
                type: 'inventory.stock_changed',
                source: this.#options.source,
                subject: c.catalog_object_id!,
                ...(storeId === undefined ? {} : { storeId }),
                ...(time ? { time } : {}),
                data: { sku: c.catalog_object_id!, quantity: Number(c.quantity) },
              },
              raw: c,
            }
          })
      }
      default:
        return `event type ${n.type} is not mapped`
    }
  }

  #requireApi(): SquareApi | string {
    return this.#api ?? 'order lookups are not configured (give accessToken or api): Square webhooks carry no line items'
  }

  async #purchase(orderId: string, payment: z.infer<typeof SquarePaymentSchema> | undefined, n: SquareNotification): Promise<Produced[] | string> {
    // payment.created, payment.updated and order.updated can all announce one sale.
    if (this.#purchased.has(orderId)) return 'purchase already published for this order'
    const api = this.#requireApi()
    if (typeof api === 'string') return api
    const order = await api.retrieveOrder(orderId)
    const event = squarePurchase(order, payment, n.created_at, this.#context)
    if (!event) return 'anonymous sale or no line items'
    this.#purchased.add(orderId)
    if (this.#purchased.size > this.#options.dedupeSize) {
      const oldest = this.#purchased.values().next().value
      if (oldest !== undefined) this.#purchased.delete(oldest)
    }
    return [{ event, raw: { order, payment } }]
  }
}

/**
 * Square POS as a hub module: a public webhook route (`POST /webhooks/square` unless `path` is
 * given) and a connector publishing purchases, returns, customer traits and stock counts.
 *
 * @example
 * ```ts
 * squarePos({ signatureKey, notificationUrl: 'https://hub.example.jp/webhooks/square', accessToken, locations: { L8Y2…: 'shibuya' } })
 * ```
 */
export function squarePos(options: SquarePosOptions): ContainerModule {
  const parsed = parseOptions(SquarePosOptionsSchema, options, 'squarePos')
  const connector = new SquarePosConnector(parsed)
  return webhookSourceModule(PosTokens.SquarePos, connector, parsed.path, 'Square webhook (payments, orders, refunds, customers, inventory)')
}
