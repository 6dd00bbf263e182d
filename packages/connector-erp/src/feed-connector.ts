import type { Clock, Connector, ConnectorHealth, Emit, EventInput, TimerHandle } from '@omotenashi/core'
import type { ErpInventory } from './inventory.js'
import type { FeedStateStore } from './state-store.js'

/** What one run of a feed did. */
export interface FeedRunReport {
  /** Records read from the source. */
  readonly rows: number
  /** Items whose state changed. */
  readonly changed: number
  /** Events the hub accepted. */
  readonly events: number
  /** Events the hub refused, with why. */
  readonly rejected: ReadonlyArray<{ readonly id?: string; readonly type: string; readonly error: string }>
  /** Records that could not be read (by line for files). */
  readonly errors: ReadonlyArray<{ readonly line?: number; readonly message: string }>
  /** Whether this run only set the baseline (first snapshot: nothing published). */
  readonly baseline: boolean
}

/** The mapping hook of a feed: change an event before it is published (add fields), or return `null` to drop it. */
export type FeedMapHook = (event: EventInput) => EventInput | null | undefined | Promise<EventInput | null | undefined>

/** What a feed needs from the hub. */
export interface FeedDependencies {
  readonly clock: Clock
  readonly state: FeedStateStore
  readonly inventory: ErpInventory | undefined
  /** The adopter's mapping hook. */
  readonly map?: FeedMapHook | undefined
}

/**
 * The part every polling ERP feed shares: a schedule on the hub's clock (so tests and
 * simulations can run a day of polls in milliseconds), runs one at a time, publishing through
 * the hub's emit, counters for `health()`.
 */
export abstract class FeedConnector implements Connector {
  readonly id: string
  protected readonly deps: FeedDependencies
  readonly #every: number
  #emit: Emit | undefined
  #timer: TimerHandle | undefined
  #running: Promise<unknown> = Promise.resolve()
  #lastEventAt: string | undefined
  #lastError: string | undefined
  readonly #counters: Record<string, number> = { runs: 0, failedRuns: 0, events: 0, rejected: 0 }
  /** The last run's report. */
  lastReport: FeedRunReport | undefined

  constructor(id: string, every: number, deps: FeedDependencies) {
    this.id = id
    this.#every = every
    this.deps = deps
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
    this.#schedule(this.deps.clock.now())
  }

  async stop(): Promise<void> {
    this.#timer?.cancel()
    this.#timer = undefined
    this.#emit = undefined
    await this.#running.catch(() => undefined)
  }

  async health(): Promise<ConnectorHealth> {
    return {
      status: this.#emit === undefined ? 'down' : this.#lastError !== undefined ? 'degraded' : 'up',
      ...(this.#lastError === undefined ? {} : { detail: this.#lastError }),
      ...(this.#lastEventAt === undefined ? {} : { lastEventAt: this.#lastEventAt }),
      counters: { ...this.#counters },
    }
  }

  /**
   * Runs the feed at `at`, then every `every` after that *planned* time: a fixed cadence, so a
   * slow run (a large file, a slow ERP) does not push every later run back; a run that overruns
   * its slot is followed by the next one at once.
   */
  #schedule(at: number): void {
    const clock = this.deps.clock
    this.#timer = clock.setTimer(at, () => {
      void this.runOnce()
        .catch(() => undefined)
        .finally(() => {
          if (this.#emit !== undefined) this.#schedule(Math.max(at + this.#every, clock.now()))
        })
    })
  }

  /** Resolves once the run in progress (if any) is over. */
  async idle(): Promise<void> {
    await this.#running.catch(() => undefined)
  }

  /** Runs the feed now (after any run in progress). Rejects if the hub has not started it. */
  runOnce(): Promise<FeedRunReport> {
    const run = this.#running.catch(() => undefined).then(async () => {
      const emit = this.#emit
      if (emit === undefined) throw new Error(`feed "${this.id}" is not running`)
      this.#counters['runs']!++
      try {
        const report = await this.poll((events) => this.#publish(emit, events))
        this.lastReport = report
        this.#lastError = report.rejected.length > 0 ? `${report.rejected.length} events refused` : undefined
        return report
      } catch (error) {
        this.#counters['failedRuns']!++
        this.#lastError = (error as Error).message
        throw error
      }
    })
    this.#running = run
    return run
  }

  async #publish(emit: Emit, events: readonly EventInput[]): Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }> {
    let accepted = 0
    const rejected: Array<{ id?: string; type: string; error: string }> = []
    const map = this.deps.map
    for (const original of events) {
      const event = map ? await map(original) : original
      if (event === null || event === undefined) continue
      const result = await emit(event)
      if (result.ok) accepted++
      else rejected.push({ ...(event.id === undefined ? {} : { id: event.id }), type: event.type, error: result.error.message })
    }
    this.#counters['events']! += accepted
    this.#counters['rejected']! += rejected.length
    if (accepted > 0) this.#lastEventAt = new Date(this.deps.clock.now()).toISOString()
    return { accepted, rejected }
  }

  /** One poll: read the source, publish through `publish`, return the report. */
  protected abstract poll(publish: (events: readonly EventInput[]) => Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }>): Promise<FeedRunReport>
}
