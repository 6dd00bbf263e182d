import { Tokens, type Hub, type HubHooks } from '@omotenashi/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * The server's Prometheus metrics, on a registry of its own (two servers in one process never
 * collide): events accepted and rejected, decisions, sends, dead letters, request durations.
 */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly eventsAccepted: Counter<'type'>
  readonly eventsRejected: Counter<'code'>
  readonly duplicates: Counter
  readonly decisions: Counter<'kind'>
  readonly sends: Counter<'channel' | 'status'>
  readonly deadLetters: Counter<'stage'>
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>
  readonly #detach: Array<() => void> = []
  // Histogram children by "method route status": prom-client hashes the labels on every
  // labels() call, an allocation per request on the hot path.
  readonly #durations = new Map<string, { observe(value: number): void }>()

  constructor(hub: Hub) {
    const registers = [this.registry]
    this.eventsAccepted = new Counter({ name: 'omotenashi_events_accepted_total', help: 'Events accepted by the hub, by type.', labelNames: ['type'], registers })
    this.eventsRejected = new Counter({ name: 'omotenashi_events_rejected_total', help: 'Events refused at validation, by error code.', labelNames: ['code'], registers })
    this.duplicates = new Counter({ name: 'omotenashi_ingest_duplicates_total', help: 'Ingested events dropped as duplicates (same id within the window).', registers })
    this.decisions = new Counter({ name: 'omotenashi_decisions_total', help: 'Decisions made, push (on events) or pull (placements).', labelNames: ['kind'], registers })
    this.sends = new Counter({ name: 'omotenashi_sends_total', help: 'Sends by channel and outcome.', labelNames: ['channel', 'status'], registers })
    this.deadLetters = new Counter({ name: 'omotenashi_dead_letters_total', help: 'Events dead-lettered, by failing stage.', labelNames: ['stage'], registers })
    this.requestDuration = new Histogram({
      name: 'omotenashi_http_request_duration_seconds',
      help: 'HTTP request durations by route pattern.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    })
    const store = hub.get(Tokens.DeadLetterStore)
    new Gauge({
      name: 'omotenashi_dead_letters_waiting',
      help: 'Dead letters waiting to be re-driven.',
      registers,
      async collect() {
        this.set(await store.count())
      },
    })
    // Children cached per label value: label lookup is the hot path of every event.
    const byType = new Map<string, { inc(): void }>()
    this.#on(hub, 'event.accepted', (event) => {
      let child = byType.get(event.type)
      if (!child) byType.set(event.type, (child = this.eventsAccepted.labels(event.type)))
      child.inc()
    })
    this.#on(hub, 'event.rejected', (_input, error) => this.eventsRejected.labels(error.code).inc())
    // Push decisions from the processed event (the hub's decision.made hook misses those of async
    // decide stages); pull decisions are counted by the /v1/decide route.
    this.#on(hub, 'event.processed', (context) => {
      if (context.decisions.length > 0) this.decisions.labels('push').inc(context.decisions.length)
    })
    this.#on(hub, 'action.sent', (_a, channel, result) => this.sends.labels(channel, result.status).inc())
    this.#on(hub, 'action.failed', (_a, channel, result) => this.sends.labels(channel ?? 'none', result.permanent ? 'failed_permanent' : 'failed').inc())
    this.#on(hub, 'deadletter', (letter) => this.deadLetters.labels(String(letter.stage)).inc())
  }

  #on<K extends keyof HubHooks>(hub: Hub, name: K, listener: (...args: HubHooks[K]) => void): void {
    const fn = listener as (...args: unknown[]) => void
    ;(hub.hooks.on as (n: K, f: typeof fn) => void)(name, fn)
    this.#detach.push(() => (hub.hooks.off as (n: K, f: typeof fn) => void)(name, fn))
  }

  /** Records one request's duration (seconds) under its method, route pattern and status. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`
    let child = this.#durations.get(key)
    if (!child) this.#durations.set(key, (child = this.requestDuration.labels(method, route, String(status))))
    child.observe(seconds)
  }

  /** Stops listening to the hub (on server close). */
  detach(): void {
    for (const off of this.#detach.splice(0)) off()
  }
}
