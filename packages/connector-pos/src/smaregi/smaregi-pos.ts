import { functionOption, objectWithMethods, parseOptions } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import type { FetchLike } from '@omotenashi/core'
import { commonSourceOptions, storeOf } from '../options.js'
import { header, safeEqual } from '../signature.js'
import { SourceConnector, type DeliveryReport, type MapHook, type Produced } from '../source-connector.js'
import { PosTokens } from '../tokens.js'
import { BadRequestError, parseJsonBody, SignatureError, type WebhookRequest } from '../webhook-route.js'
import { webhookSourceModule } from '../webhook-module.js'
import { SmaregiApi, type SmaregiTransaction } from './smaregi-api.js'
import { smaregiEvents, type SmaregiMappingContext } from './smaregi-mapping.js'

/** What the connector asks the Platform API; {@link SmaregiApi} by default. */
export interface SmaregiTransactionSource {
  transaction(transactionHeadId: string): Promise<SmaregiTransaction>
  transactions(from: Date, to: Date): AsyncIterable<SmaregiTransaction>
}

/** Options of {@link smaregiPos}. */
export const SmaregiPosOptionsSchema = z.object({
  ...commonSourceOptions,
  /** The contract (契約ID) the app is installed on. */
  contractId: z.string().min(1, 'is required'),
  /** The app's client id. */
  clientId: z.string().min(1).optional(),
  /** The app's client secret. */
  clientSecret: z.string().min(1).optional(),
  /** The shared secret Smaregi sends with each webhook (set in the app's webhook settings). */
  webhookSecret: z.string().min(1, 'is required'),
  /** The header carrying it. Default `x-smaregi-webhook-secret`. */
  secretHeader: z.string().min(1).default('x-smaregi-webhook-secret').transform((h) => h.toLowerCase()),
  /** Smaregi ID root (tokens). Default production; sandbox `https://id.smaregi.dev`. */
  idBaseUrl: z.url().optional(),
  /** Platform API root. Default production; sandbox `https://api.smaregi.dev`. */
  apiBaseUrl: z.url().optional(),
  /** Currency of the amounts. Default `JPY`. */
  currency: z.string().regex(/^[A-Z]{3}$/).default('JPY'),
  /** Client-side request ceiling. Default 10/s. */
  maxRequestsPerSecond: z.number().positive().max(1000).default(10),
  /** Page size of transaction lists (1–1000). Default 1000. */
  pageSize: z.number().int().min(1).max(1000).default(1000),
  /** A ready-made client instead of the built-in one. */
  api: objectWithMethods<SmaregiTransactionSource>('transaction', 'transactions').optional(),
  fetch: functionOption<FetchLike>().optional(),
  /** Route path. Default `/webhooks/smaregi`. */
  path: z.string().startsWith('/').default('/webhooks/smaregi'),
}).superRefine((o, ctx) => {
  if (o.api !== undefined) return
  if (o.clientId === undefined) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'is required unless api is given' })
  if (o.clientSecret === undefined) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'is required unless api is given' })
})

/** Options of {@link smaregiPos}. */
export type SmaregiPosOptions = z.input<typeof SmaregiPosOptionsSchema> & { readonly map?: MapHook }

const WebhookBodySchema = z.looseObject({
  contractId: z.string(),
  event: z.string(),
  action: z.string(),
  transactionHeadIds: z.array(z.string().min(1)).optional(),
})

/** What {@link SmaregiPosConnector.backfill} did. */
export interface BackfillReport {
  readonly transactions: number
  readonly duplicates: number
  readonly accepted: number
  readonly rejected: number
}

/**
 * Smaregi as a source. Its webhooks carry only transaction ids and a shared-secret header
 * (compared in constant time); details come from the Platform API. Dedupes by the webhook's
 * `smaregi-event-id` and by transaction id (so a backfill after an outage adds only what the
 * webhooks missed).
 */
export class SmaregiPosConnector extends SourceConnector {
  readonly #options: z.output<typeof SmaregiPosOptionsSchema>
  readonly #api: SmaregiTransactionSource
  readonly #context: SmaregiMappingContext

  constructor(options: z.output<typeof SmaregiPosOptionsSchema>) {
    super(options.id ?? 'smaregi', { dedupeSize: options.dedupeSize, map: options.map })
    this.#options = options
    this.#api =
      options.api ??
      new SmaregiApi({
        contractId: options.contractId,
        clientId: options.clientId!,
        clientSecret: options.clientSecret!,
        maxRequestsPerSecond: options.maxRequestsPerSecond,
        pageSize: options.pageSize,
        ...(options.idBaseUrl === undefined ? {} : { idBaseUrl: options.idBaseUrl }),
        ...(options.apiBaseUrl === undefined ? {} : { apiBaseUrl: options.apiBaseUrl }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      })
    this.#context = { source: options.source, identityKind: options.identityKind, currency: options.currency, storeOf: (s) => storeOf(options.locations, s) }
  }

  #produce(tx: SmaregiTransaction): Produced[] {
    return smaregiEvents(tx, this.#context).map((event) => ({ event, raw: tx }))
  }

  /** Handles one webhook request. */
  async handleWebhook(request: WebhookRequest): Promise<DeliveryReport | { status: 'ignored'; reason: string }> {
    if (!safeEqual(header(request.headers, this.#options.secretHeader), this.#options.webhookSecret)) {
      throw new SignatureError(`${this.#options.secretHeader} does not match`)
    }
    const parsed = WebhookBodySchema.safeParse(parseJsonBody(request.body))
    if (!parsed.success) throw new BadRequestError('not a Smaregi webhook body')
    const body = parsed.data
    if (body.contractId !== this.#options.contractId) throw new SignatureError('webhook for another contract')
    if (body.event !== 'pos:transactions' || !body.transactionHeadIds) return { status: 'ignored', reason: `event ${body.event} is not mapped` }
    if (body.action !== 'created') return { status: 'ignored', reason: `action ${body.action} is not mapped` }
    const ids = body.transactionHeadIds
    const eventId = header(request.headers, 'smaregi-event-id') ?? `tx:${ids.join(',')}`
    return this.deliver(eventId, async () => {
      const produced: Produced[] = []
      for (const id of ids) {
        if (this.seen(`tx:${id}`)) continue
        produced.push(...this.#produce(await this.#api.transaction(id)))
      }
      // Only once every detail was fetched: a failure leaves them all for Smaregi's retry.
      for (const id of ids) this.remember(`tx:${id}`)
      return produced
    })
  }

  /**
   * Imports every transaction sent in `[from, to)` through the Platform API (after an outage,
   * or on first install), in 31-day windows, page by page. Transactions seen already are skipped.
   */
  async backfill(from: Date, to: Date): Promise<BackfillReport> {
    let transactions = 0
    let duplicates = 0
    let accepted = 0
    let rejected = 0
    for await (const tx of this.#api.transactions(from, to)) {
      transactions++
      const report = await this.deliver(`tx:${tx.transactionHeadId}`, () => this.#produce(tx))
      if (report.status === 'duplicate') duplicates++
      accepted += report.accepted.length
      rejected += report.rejected.length
    }
    return { transactions, duplicates, accepted, rejected }
  }
}

/**
 * Smaregi POS as a hub module: a public webhook route (`POST /webhooks/smaregi`) and the
 * connector (with `backfill(from, to)` through the Platform API).
 *
 * @example
 * ```ts
 * smaregiPos({ contractId, clientId, clientSecret, webhookSecret, locations: { '1': 'shibuya' } })
 * ```
 */
export function smaregiPos(options: SmaregiPosOptions): ContainerModule {
  const parsed = parseOptions(SmaregiPosOptionsSchema, options, 'smaregiPos')
  const connector = new SmaregiPosConnector(parsed)
  return webhookSourceModule(PosTokens.SmaregiPos, connector, parsed.path, 'Smaregi webhook (pos:transactions)')
}
