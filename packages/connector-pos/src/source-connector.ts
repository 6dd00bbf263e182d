import { BoundedSet, ErrorCode, OmotenashiError, type Connector, type ConnectorHealth, type Emit, type EventInput } from '@omotenashi/core'

/**
 * The mapping hook every source takes: receives the canonical event and the source's raw
 * record, returns the event to publish (add custom fields, change ids), or `null` to skip it.
 */
export type MapHook<Raw = unknown> = (event: EventInput, raw: Raw) => EventInput | null | undefined | Promise<EventInput | null | undefined>

/** One canonical event a source produced, with the raw record it came from (for the hook). */
export interface Produced {
  readonly event: EventInput
  readonly raw: unknown
}

/** What became of one delivery (one webhook call, one journal transaction). */
export interface DeliveryReport {
  /** `accepted`: processed now. `duplicate`: seen before, nothing done. */
  readonly status: 'accepted' | 'duplicate'
  /** Ids of the events the hub accepted. */
  readonly accepted: readonly string[]
  /** Events the hub refused, with the reason. */
  readonly rejected: ReadonlyArray<{ readonly type: string; readonly error: Error }>
  /** Events the mapping hook skipped. */
  readonly skipped: number
}

/** Options every source shares. */
export interface SourceConnectorOptions {
  /** Ids of source events remembered for dedupe. */
  readonly dedupeSize: number
  /** The mapping hook. */
  readonly map?: MapHook | undefined
}

/**
 * The part every POS source shares: the hub's emit function, dedupe by the source's event id
 * (bounded), the mapping hook, concurrent redeliveries collapsed into one, and counters for
 * `health()`.
 */
export class SourceConnector implements Connector {
  readonly id: string
  #emit: Emit | undefined
  #stopped = false
  readonly #seen: BoundedSet
  readonly #inFlight = new Map<string, Promise<DeliveryReport>>()
  readonly #map: MapHook | undefined
  readonly #counters: Record<string, number> = { deliveries: 0, duplicates: 0, accepted: 0, rejected: 0, skipped: 0, failed: 0 }
  #lastEventAt: string | undefined
  #lastError: string | undefined

  constructor(id: string, options: SourceConnectorOptions) {
    this.id = id
    this.#seen = new BoundedSet(options.dedupeSize)
    this.#map = options.map
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
    this.#stopped = false
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.allSettled([...this.#inFlight.values()])
    this.#emit = undefined
  }

  async health(): Promise<ConnectorHealth> {
    const status = this.#emit === undefined ? 'down' : this.#counters['failed']! > 0 || this.#counters['rejected']! > 0 ? 'degraded' : 'up'
    return {
      status,
      ...(this.#lastError === undefined ? {} : { detail: this.#lastError }),
      ...(this.#lastEventAt === undefined ? {} : { lastEventAt: this.#lastEventAt }),
      counters: { ...this.#counters },
    }
  }

  /** Whether the hub started this connector (webhooks before that are refused with 503). */
  get started(): boolean {
    return this.#emit !== undefined && !this.#stopped
  }

  /** Whether `sourceEventId` was processed already. */
  seen(sourceEventId: string): boolean {
    return this.#seen.has(sourceEventId)
  }

  /** Remembers `sourceEventId` as processed (for ids processed under another delivery). */
  remember(sourceEventId: string): void {
    this.#seen.add(sourceEventId)
  }

  /** Counts a failure that happened outside {@link SourceConnector.deliver} (bad signature, fetch error). */
  countFailure(kind: string, message: string): void {
    this.#counters[kind] = (this.#counters[kind] ?? 0) + 1
    this.#lastError = message
  }

  /**
   * Processes one delivery once. A redelivery of an id already processed (or being processed)
   * does nothing more. The id is remembered only after `produce` succeeded, so a delivery whose
   * details could not be fetched is done again when the source retries.
   */
  async deliver(sourceEventId: string | undefined, produce: () => Promise<readonly Produced[]> | readonly Produced[]): Promise<DeliveryReport> {
    const emit = this.#emit
    if (emit === undefined || this.#stopped) throw new OmotenashiError(ErrorCode.NotStarted, `connector "${this.id}" is not running`)
    this.#counters['deliveries']!++
    if (sourceEventId !== undefined) {
      if (this.#seen.has(sourceEventId)) {
        this.#counters['duplicates']!++
        return { status: 'duplicate', accepted: [], rejected: [], skipped: 0 }
      }
      const running = this.#inFlight.get(sourceEventId)
      if (running) {
        await running.catch(() => undefined)
        this.#counters['duplicates']!++
        return { status: 'duplicate', accepted: [], rejected: [], skipped: 0 }
      }
    }
    const work = this.#run(emit, produce)
    if (sourceEventId === undefined) return work
    this.#inFlight.set(sourceEventId, work)
    try {
      const report = await work
      this.#seen.add(sourceEventId)
      return report
    } finally {
      this.#inFlight.delete(sourceEventId)
    }
  }

  async #run(emit: Emit, produce: () => Promise<readonly Produced[]> | readonly Produced[]): Promise<DeliveryReport> {
    let produced: readonly Produced[]
    try {
      produced = await produce()
    } catch (error) {
      this.countFailure('failed', (error as Error).message)
      throw error
    }
    const accepted: string[] = []
    const rejected: Array<{ type: string; error: Error }> = []
    let skipped = 0
    for (const { event, raw } of produced) {
      const mapped = this.#map ? await this.#map(event, raw) : event
      if (mapped === null || mapped === undefined) {
        skipped++
        continue
      }
      const result = await emit(mapped)
      if (result.ok) accepted.push(result.id)
      else rejected.push({ type: mapped.type, error: result.error })
    }
    this.#counters['accepted']! += accepted.length
    this.#counters['rejected']! += rejected.length
    this.#counters['skipped']! += skipped
    if (accepted.length > 0) this.#lastEventAt = new Date().toISOString()
    if (rejected.length > 0) this.#lastError = `${rejected[0]!.type} refused: ${rejected[0]!.error.message}`
    return { status: 'accepted', accepted, rejected, skipped }
  }
}
