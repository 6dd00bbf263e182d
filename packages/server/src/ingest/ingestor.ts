import { ErrorCode, ValidationError, type EventInput, type Hub, type ValidationIssue } from '@omotenashi/core'
import { HttpError, HttpErrorCode } from '../http-error.js'
import { DedupeWindow } from './dedupe-window.js'

/** One accepted item of a batch. */
export interface AcceptedItem {
  readonly index: number
  readonly id: string
  /** The id was seen within the dedupe window: accepted, not published again. */
  readonly duplicate?: true
}

/** One refused item of a batch, with every reason. */
export interface RejectedItem {
  readonly index: number
  readonly code: string
  readonly message: string
  readonly issues: readonly ValidationIssue[]
}

/** What the server answers to a batch. */
export interface IngestReport {
  readonly accepted: readonly AcceptedItem[]
  readonly rejected: readonly RejectedItem[]
}

/** Options of the {@link Ingestor}. */
export interface IngestorOptions {
  readonly maxEventBytes: number
  readonly maxBatchItems: number
  readonly dedupe: { readonly size: number; readonly ttlMs: number }
}

/**
 * Turns raw items (native events, Segment messages, CloudEvents) into published events: checks
 * sizes, converts, drops duplicates within the window, publishes the rest as one batch, and
 * reports each item by index.
 */
export class Ingestor {
  readonly #hub: Hub
  readonly #options: IngestorOptions
  readonly dedupe: DedupeWindow
  /** Counts duplicates (for metrics). */
  duplicates = 0

  constructor(hub: Hub, options: IngestorOptions) {
    this.#hub = hub
    this.#options = options
    this.dedupe = new DedupeWindow({ ...options.dedupe, now: () => hub.clock.now() })
  }

  /**
   * Ingests a batch. `bodyBytes` is the request body's size: items cannot exceed the per-event
   * limit when the whole body does not, which spares measuring each item on the hot path.
   */
  async ingest(items: readonly unknown[], convert: (item: unknown) => EventInput, bodyBytes: number): Promise<IngestReport> {
    if (items.length > this.#options.maxBatchItems) {
      throw new HttpError(413, HttpErrorCode.TooLarge, `a batch holds at most ${this.#options.maxBatchItems} events; this one has ${items.length}`)
    }
    const accepted: AcceptedItem[] = []
    const rejected: RejectedItem[] = []
    const toPublish: EventInput[] = []
    const indexOf: number[] = []
    const claimed: Array<string | undefined> = []
    const measure = bodyBytes > this.#options.maxEventBytes
    for (const [index, item] of items.entries()) {
      if (measure) {
        const size = Buffer.byteLength(JSON.stringify(item) ?? '')
        if (size > this.#options.maxEventBytes) {
          rejected.push({ index, code: HttpErrorCode.TooLarge, message: `event is ${size} bytes; the limit is ${this.#options.maxEventBytes}`, issues: [] })
          continue
        }
      }
      let input: EventInput
      try {
        input = convert(item)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        rejected.push({ index, code: error.code, message: error.message, issues: error.issues })
        continue
      }
      // Raw native items are unchecked until the catalogue sees them: anything (null too) may come here.
      const id = typeof input === 'object' && input !== null && typeof input.id === 'string' ? input.id : undefined
      if (id !== undefined && !this.dedupe.claim(id)) {
        this.duplicates++
        accepted.push({ index, id, duplicate: true })
        continue
      }
      toPublish.push(input)
      indexOf.push(index)
      claimed.push(id)
    }
    if (toPublish.length > 0) {
      let result
      try {
        result = await this.#hub.publishBatch(toPublish)
      } catch (error) {
        // Nothing of this batch is known to be accepted: give the ids back so a retry gets through.
        for (const id of claimed) if (id !== undefined) this.dedupe.release(id)
        throw error
      }
      for (const a of result.accepted) accepted.push({ index: indexOf[a.index]!, id: a.id })
      for (const r of result.rejected) {
        const id = claimed[r.index]
        if (id !== undefined) this.dedupe.release(id)
        const message = r.code === ErrorCode.UnknownEventType ? 'unknown event type' : 'event is invalid'
        rejected.push({ index: indexOf[r.index]!, code: r.code, message: `${message}: ${r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, issues: r.issues })
      }
    }
    accepted.sort((a, b) => a.index - b.index)
    rejected.sort((a, b) => a.index - b.index)
    return { accepted, rejected }
  }

  /** Ingests one item; throws (400 / 413) when it is refused. */
  async one(item: unknown, convert: (item: unknown) => EventInput, bodyBytes: number): Promise<AcceptedItem> {
    const report = await this.ingest([item], convert, bodyBytes)
    const bad = report.rejected[0]
    if (bad) throw new HttpError(bad.code === HttpErrorCode.TooLarge ? 413 : 400, bad.code, bad.message, bad.issues.length > 0 ? bad.issues : undefined)
    return report.accepted[0]!
  }
}

/** The status of a batch answer: 200 all accepted, 207 some refused, 400 all refused. */
export function batchStatus(report: IngestReport): number {
  if (report.rejected.length === 0) return 200
  return report.accepted.length === 0 ? 400 : 207
}

/** The JSON body of a batch answer; an all-refused batch also carries an `error`. */
export function batchBody(report: IngestReport): Record<string, unknown> {
  const body: Record<string, unknown> = { accepted: report.accepted, rejected: report.rejected }
  if (report.rejected.length > 0 && report.accepted.length === 0) {
    body['error'] = { code: ErrorCode.Validation, message: `every item was refused (${report.rejected.length}); see rejected` }
  }
  return body
}
