import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BoundedSet, IDENTIFIER_KIND_PATTERN, parseOptions, readBody, sendJson, Tokens, type Connector, type ConnectorHealth, type Emit, type EventInput, type HttpRoute } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { sourceOption } from '../options.js'
import { ErpTokens } from '../tokens.js'

/** One order status change from an ERP / OMS. */
export const OrderStatusRecordSchema = z.looseObject({
  /** The OMS's id of this change (dedupe). Default: order id + status. */
  eventId: z.string().min(1).max(200).optional(),
  orderId: z.string().min(1).max(200),
  /** The OMS's status word (mapped through `statuses`). */
  status: z.string().min(1).max(100),
  /** The pickup store (OMS code, mapped through `stores`). */
  storeId: z.string().min(1).max(200).optional(),
  /** Who ordered: identifier kind → value, e.g. `{ email: '…' }` or `{ loyaltyId: 'L-1' }`. */
  customer: z.record(z.string().regex(IDENTIFIER_KIND_PATTERN), z.string().min(1).max(512)).refine((c) => Object.keys(c).length > 0, 'needs at least one identifier'),
  /** When it happened at the OMS (ISO 8601 with offset). */
  time: z.iso.datetime({ offset: true }).optional(),
  /** The order's lines, passed on (staff cards suggest what goes with them). */
  items: z.array(z.looseObject({ sku: z.string().min(1), quantity: z.number().positive().optional(), name: z.string().optional() })).optional(),
})

/** One order status change. */
export type OrderStatusRecord = z.infer<typeof OrderStatusRecordSchema>

/** Options of {@link clickAndCollectFeed}. */
export const ClickAndCollectOptionsSchema = z.object({
  id: z.string().min(1).max(100).default('click-and-collect'),
  /** Shared secret: the OMS signs each body with HMAC-SHA256 (hex or base64) in `signatureHeader`. */
  secret: z.string().min(16, 'must be at least 16 characters'),
  signatureHeader: z.string().min(1).default('x-omotenashi-signature').transform((h) => h.toLowerCase()),
  /** OMS status word → canonical status. Default: `ready_for_pickup`/`READY` and `picked_up`/`COLLECTED`. */
  statuses: z.record(z.string(), z.enum(['ready_for_pickup', 'picked_up'])).default({ ready_for_pickup: 'ready_for_pickup', READY: 'ready_for_pickup', picked_up: 'picked_up', COLLECTED: 'picked_up' }),
  stores: z.record(z.string(), z.string().min(1)).optional(),
  path: z.string().startsWith('/').default('/webhooks/oms'),
  dedupeSize: z.number().int().min(1).default(100_000),
  source: sourceOption,
})

/** Options of {@link clickAndCollectFeed}. */
export type ClickAndCollectOptions = z.input<typeof ClickAndCollectOptionsSchema>

/** An order status change as `order.ready_for_pickup` / `order.picked_up`; undefined for statuses not mapped. */
export function orderStatusEvent(record: OrderStatusRecord, options: { readonly statuses: Readonly<Record<string, string>>; readonly stores?: Readonly<Record<string, string>> | undefined; readonly source: string }): EventInput | undefined {
  const status = options.statuses[record.status]
  if (status !== 'ready_for_pickup' && status !== 'picked_up') return undefined
  const storeId = record.storeId === undefined ? undefined : (options.stores?.[record.storeId] ?? record.storeId)
  return {
    id: `oms:${record.eventId ?? `${record.orderId}:${status}`}`,
    type: `order.${status}`,
    source: options.source,
    identity: record.customer,
    ...(storeId === undefined ? {} : { storeId }),
    ...(record.time === undefined ? {} : { time: record.time }),
    data: {
      orderId: record.orderId,
      ...(status === 'ready_for_pickup' && storeId !== undefined ? { pickupStoreId: storeId } : {}),
      ...(record.items === undefined ? {} : { items: record.items }),
    },
  }
}

/**
 * Click & collect order events from an ERP / OMS: a signed webhook taking one status change or
 * an array of them, publishing `order.ready_for_pickup` (the "your order is ready" moment) and
 * `order.picked_up`. Bad records are reported by index; the good ones are published.
 */
export class ClickAndCollectConnector implements Connector {
  readonly id: string
  readonly #o: z.output<typeof ClickAndCollectOptionsSchema>
  readonly #seen: BoundedSet
  #emit: Emit | undefined
  readonly #counters: Record<string, number> = { accepted: 0, duplicates: 0, invalid: 0, forged: 0, rejected: 0 }

  constructor(options: z.output<typeof ClickAndCollectOptionsSchema>) {
    this.id = options.id
    this.#o = options
    this.#seen = new BoundedSet(options.dedupeSize)
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
  }
  async stop(): Promise<void> {
    this.#emit = undefined
  }
  async health(): Promise<ConnectorHealth> {
    return { status: this.#emit ? 'up' : 'down', counters: { ...this.#counters } }
  }

  /** Whether `signature` (hex or base64) is the body's HMAC-SHA256 under the secret, in constant time. */
  verify(body: Buffer, signature: string | undefined): boolean {
    if (signature === undefined) return false
    const mac = createHmac('sha256', this.#o.secret).update(body).digest()
    const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.from(signature, 'base64')
    return given.length === mac.length && timingSafeEqual(given, mac)
  }

  /** Publishes status records; returns what happened to each by index. */
  async receive(records: readonly unknown[]): Promise<{ accepted: number; duplicates: number; errors: Array<{ index: number; message: string }> }> {
    const emit = this.#emit
    if (!emit) throw new Error(`connector "${this.id}" is not running`)
    let accepted = 0
    let duplicates = 0
    const errors: Array<{ index: number; message: string }> = []
    for (const [index, raw] of records.entries()) {
      const parsed = OrderStatusRecordSchema.safeParse(raw)
      if (!parsed.success) {
        this.#counters['invalid']!++
        errors.push({ index, message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
        continue
      }
      const event = orderStatusEvent(parsed.data, this.#o)
      if (!event) {
        errors.push({ index, message: `status "${parsed.data.status}" is not mapped` })
        continue
      }
      if (this.#seen.has(event.id!)) {
        duplicates++
        this.#counters['duplicates']!++
        continue
      }
      const result = await emit(event)
      if (result.ok) {
        accepted++
        this.#counters['accepted']!++
        this.#seen.add(event.id!)
      } else {
        this.#counters['rejected']!++
        errors.push({ index, message: result.error.message })
      }
    }
    return { accepted, duplicates, errors }
  }

  /** The webhook route. */
  route(): HttpRoute {
    return {
      method: 'POST',
      path: this.#o.path,
      access: 'public',
      summary: 'ERP / OMS click & collect order status (ready for pickup, picked up)',
      handle: async (request: IncomingMessage, response: ServerResponse) => {
        let body: Buffer
        try {
          body = await readBody(request)
        } catch (error) {
          sendJson(response, 413, { error: (error as Error).message })
          return
        }
        const signature = request.headers[this.#o.signatureHeader]
        if (!this.verify(body, Array.isArray(signature) ? signature[0] : signature)) {
          this.#counters['forged']!++
          sendJson(response, 401, { error: `${this.#o.signatureHeader} does not match` })
          return
        }
        let parsed: unknown
        try {
          parsed = JSON.parse(body.toString('utf8'))
        } catch {
          sendJson(response, 400, { error: 'body is not JSON' })
          return
        }
        if (!this.#emit) {
          sendJson(response, 503, { error: 'not running' })
          return
        }
        const result = await this.receive(Array.isArray(parsed) ? parsed : [parsed])
        sendJson(response, result.errors.length > 0 && result.accepted === 0 && result.duplicates === 0 ? 422 : 200, result)
      },
    }
  }
}

/**
 * Click & collect order events as a hub module (a signed webhook at `/webhooks/oms`).
 *
 * @example
 * ```ts
 * clickAndCollectFeed({ secret: process.env.OMS_SECRET!, statuses: { PACKED: 'ready_for_pickup', HANDED_OVER: 'picked_up' } })
 * ```
 */
export function clickAndCollectFeed(options: ClickAndCollectOptions): ContainerModule {
  const parsed = parseOptions(ClickAndCollectOptionsSchema, options, 'clickAndCollectFeed')
  const connector = new ClickAndCollectConnector(parsed)
  return new ContainerModule((m) => {
    m.bind(ErpTokens.ClickAndCollect).toConstantValue(connector)
    m.bind(Tokens.Connector).toConstantValue(connector)
    m.bind(Tokens.HttpRoute).toConstantValue(connector.route())
  })
}
