import { parseOptions } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import { commonSourceOptions, storeOf } from '../options.js'
import { header, hmacSha256Base64, safeEqual } from '../signature.js'
import { SourceConnector, type DeliveryReport, type MapHook } from '../source-connector.js'
import { PosTokens } from '../tokens.js'
import { BadRequestError, parseJsonBody, SignatureError, type WebhookRequest } from '../webhook-route.js'
import { webhookSourceModule } from '../webhook-module.js'
import { isPosOrder, ShopifyOrderSchema, shopifyOrderEvent, type ShopifyMappingContext } from './shopify-mapping.js'

/** Options of {@link shopifyPos}. */
export const ShopifyPosOptionsSchema = z.object({
  ...commonSourceOptions,
  /** The app's client secret (it signs the webhooks). */
  secret: z.string().min(1, 'is required'),
  /** Also publish online orders (as `order.placed`). Default false: POS orders only. */
  onlineOrders: z.boolean().default(false),
  /** Route path. Default `/webhooks/shopify`. */
  path: z.string().startsWith('/').default('/webhooks/shopify'),
})

/** Options of {@link shopifyPos}. */
export type ShopifyPosOptions = z.input<typeof ShopifyPosOptionsSchema> & { readonly map?: MapHook }

/**
 * Shopify POS as a source: `orders/create` webhooks verified by `X-Shopify-Hmac-Sha256`
 * (base64 HMAC-SHA256 of the raw body with the app secret, compared in constant time),
 * deduplicated by `X-Shopify-Webhook-Id`; orders from POS locations become `pos.purchased`.
 */
export class ShopifyPosConnector extends SourceConnector {
  readonly #options: z.output<typeof ShopifyPosOptionsSchema>
  readonly #context: ShopifyMappingContext

  constructor(options: z.output<typeof ShopifyPosOptionsSchema>) {
    super(options.id ?? 'shopify-pos', { dedupeSize: options.dedupeSize, map: options.map })
    this.#options = options
    this.#context = { source: options.source, identityKind: options.identityKind, storeOf: (l) => storeOf(options.locations, l) }
  }

  /** Handles one webhook request. */
  async handleWebhook(request: WebhookRequest): Promise<DeliveryReport | { status: 'ignored'; reason: string }> {
    const expected = hmacSha256Base64(this.#options.secret, request.body)
    if (!safeEqual(header(request.headers, 'x-shopify-hmac-sha256'), expected)) throw new SignatureError('X-Shopify-Hmac-Sha256 does not match')
    const topic = header(request.headers, 'x-shopify-topic')
    if (topic !== undefined && topic !== 'orders/create') return { status: 'ignored', reason: `topic ${topic} is not mapped` }
    const parsed = ShopifyOrderSchema.safeParse(parseJsonBody(request.body))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new BadRequestError(`not a Shopify order: ${issue?.path.join('.')} ${issue?.message}`)
    }
    const order = parsed.data
    if (!isPosOrder(order) && !this.#options.onlineOrders) return { status: 'ignored', reason: 'not a POS order' }
    // Shopify redelivers with the same webhook id; fall back to the order id for senders that omit it.
    const deliveryId = header(request.headers, 'x-shopify-webhook-id') ?? `order:${order.id}`
    let reason: string | undefined
    const report = await this.deliver(deliveryId, () => {
      const event = shopifyOrderEvent(order, this.#context)
      if (!event) {
        reason = 'anonymous sale or no line items'
        return []
      }
      return [{ event, raw: order }]
    })
    return reason !== undefined && report.status === 'accepted' ? { status: 'ignored', reason } : report
  }
}

/**
 * Shopify POS as a hub module: a public webhook route (`POST /webhooks/shopify`) and the connector.
 *
 * @example
 * ```ts
 * shopifyPos({ secret: process.env.SHOPIFY_SECRET!, locations: { '655441491': 'shibuya' } })
 * ```
 */
export function shopifyPos(options: ShopifyPosOptions): ContainerModule {
  const parsed = parseOptions(ShopifyPosOptionsSchema, options, 'shopifyPos')
  const connector = new ShopifyPosConnector(parsed)
  return webhookSourceModule(PosTokens.ShopifyPos, connector, parsed.path, 'Shopify orders/create webhook (POS orders)')
}
