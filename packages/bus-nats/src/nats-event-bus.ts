import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  JSONCodec,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type KV,
  type NatsConnection,
} from 'nats'
import {
  ErrorCode,
  KeyedRunner,
  OmotenashiError,
  ValidationError,
  partitionKey,
  type EventBus,
  type EventHandler,
  type OmoEvent,
  type UndeliverableHandler,
} from '@omotenashi/core'
import { NatsBusOptionsSchema, type NatsBusOptions, type ResolvedNatsBusOptions } from './options.js'
import { ownerOf, partitionOf } from './partitions.js'

const codec = JSONCodec<OmoEvent>()
const text = new TextEncoder()

/** A partition this worker consumes. */
interface OwnedPartition {
  readonly partition: number
  revision: number
  readonly messages: ConsumerMessages
  readonly runner: KeyedRunner<JsMsg>
  inFlight: number
  readonly idle: Array<() => void>
  readonly loop: Promise<void>
}

/**
 * The EventBus on NATS JetStream, for hubs of several worker processes.
 *
 * - One stream per hub; events go to `omo.<hub>.p.<n>`, `n` = hash(customer) mod `partitions`,
 *   published with `Nats-Msg-Id` = event id (JetStream stores a re-published event once).
 * - One durable pull consumer per partition. Exactly one worker owns a partition at a time:
 *   ownership is a lease in a JetStream KV bucket that expires unless renewed, and partitions are
 *   assigned by rendezvous hashing over the live workers, so they rebalance when workers join or
 *   leave and a crashed worker's partitions move after `leaseMs`.
 * - An event is acked after the hub's pipeline has finished with it; unacked events are
 *   redelivered after `ackWaitMs`. With `maxAckPending: 1` (the default) order per customer
 *   holds even across crashes. Past `maxDeliver` deliveries or `maxAttempts` failures an event is
 *   handed to the dead letters and terminated.
 */
export class NatsEventBus implements EventBus {
  readonly options: ResolvedNatsBusOptions
  readonly workerId: string
  readonly #stream: string
  readonly #subjectPrefix: string
  #nc: NatsConnection | undefined
  readonly #ownsConnection: boolean
  #js!: JetStreamClient
  #jsm!: JetStreamManager
  #owners!: KV
  #members!: KV
  #handler: EventHandler | undefined
  #onUndeliverable: UndeliverableHandler | undefined
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  readonly #owned = new Map<number, OwnedPartition>()
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<void> = Promise.resolve()
  #pendingPublishes = 0
  readonly #publishWaiters: Array<() => void> = []
  #ready: Promise<void> | undefined

  /**
   * @param options - validated with zod; a bad option throws a ValidationError naming it.
   * @param connection - a ready NATS connection (the bus will not close it).
   */
  constructor(options: NatsBusOptions = {}, connection?: NatsConnection) {
    const parsed = NatsBusOptionsSchema.safeParse(options)
    if (!parsed.success) throw ValidationError.fromZod('natsBus options', parsed.error)
    this.options = parsed.data
    this.workerId = parsed.data.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
    this.#stream = `OMO_${parsed.data.hub}`
    this.#subjectPrefix = `omo.${parsed.data.hub}.p`
    this.#nc = connection
    this.#ownsConnection = connection === undefined
  }

  /** Partitions this worker owns now, sorted. */
  get ownedPartitions(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b)
  }

  consume(handler: EventHandler, onUndeliverable: UndeliverableHandler): void {
    if (this.#handler) throw new OmotenashiError(ErrorCode.Config, 'the bus already has a consumer')
    this.#handler = handler
    this.#onUndeliverable = onUndeliverable
  }

  async publish(event: OmoEvent): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new OmotenashiError(ErrorCode.Stopped, 'the bus is stopped and takes no more events')
    }
    await this.#connect()
    while (this.#pendingPublishes >= this.options.maxPendingPublishes) {
      await new Promise<void>((resolve) => this.#publishWaiters.push(resolve))
    }
    this.#pendingPublishes++
    try {
      const partition = partitionOf(partitionKey(event), this.options.partitions)
      await this.#js.publish(`${this.#subjectPrefix}.${partition}`, codec.encode(event), { msgID: event.id })
    } finally {
      this.#pendingPublishes--
      this.#publishWaiters.shift()?.()
    }
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return
    if (!this.#handler) throw new OmotenashiError(ErrorCode.Config, 'call consume() before start()')
    await this.#connect()
    this.#state = 'running'
    await this.#tick()
    const every = this.options.rebalanceMs ?? Math.floor(this.options.leaseMs / 3)
    this.#timer = setInterval(() => {
      this.#ticking = this.#ticking.then(() => this.#tick()).catch(() => undefined)
    }, every)
    this.#timer.unref()
  }

  /**
   * Resolves once every event published to the hub's stream so far has been processed and
   * acknowledged — by any worker.
   */
  async drain(): Promise<void> {
    await this.#connect()
    for (;;) {
      let outstanding = 0
      for (let p = 0; p < this.options.partitions; p++) {
        const info = await this.#jsm.consumers.info(this.#stream, this.#durable(p))
        outstanding += info.num_pending + info.num_ack_pending
      }
      if (outstanding === 0 && this.#pendingPublishes === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return
    const wasRunning = this.#state === 'running'
    this.#state = 'stopping'
    if (this.#timer) clearInterval(this.#timer)
    await this.#ticking.catch(() => undefined)
    if (wasRunning) {
      // Graceful: finish the backlog of the partitions this worker owns (bounded), then let go.
      await this.#drainOwned(this.options.stopDrainMs)
      await this.#members.delete(this.workerId).catch(() => undefined)
      for (const partition of [...this.#owned.keys()]) await this.#release(partition)
    }
    while (this.#pendingPublishes > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    if (this.#ownsConnection && this.#nc) await this.#nc.drain()
    this.#state = 'stopped'
  }

  async #drainOwned(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs
    while (Date.now() < until) {
      let outstanding = 0
      for (const partition of this.#owned.keys()) {
        const info = await this.#jsm.consumers.info(this.#stream, this.#durable(partition)).catch(() => undefined)
        outstanding += info ? info.num_pending + info.num_ack_pending : 0
      }
      if (outstanding === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  #durable(partition: number): string {
    return `p${partition}`
  }

  #connect(): Promise<void> {
    this.#ready ??= this.#setup()
    return this.#ready
  }

  async #setup(): Promise<void> {
    this.#nc ??= await connect({ servers: this.options.servers, name: `omotenashi-${this.workerId}` })
    this.#js = this.#nc.jetstream()
    this.#jsm = await this.#nc.jetstreamManager()
    const subjects = [`${this.#subjectPrefix}.*`]
    const streamConfig = {
      name: this.#stream,
      subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(this.options.duplicateWindowMs),
    }
    try {
      await this.#jsm.streams.info(this.#stream)
    } catch {
      await this.#jsm.streams.add(streamConfig).catch(async (error: unknown) => {
        // Another worker created it first: fine.
        await this.#jsm.streams.info(this.#stream).catch(() => {
          throw error
        })
      })
    }
    for (let p = 0; p < this.options.partitions; p++) {
      const durable = this.#durable(p)
      const config = {
        durable_name: durable,
        filter_subject: `${this.#subjectPrefix}.${p}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.options.ackWaitMs),
        max_deliver: this.options.maxDeliver + 1,
        max_ack_pending: this.options.maxAckPending,
      }
      await this.#jsm.consumers.info(this.#stream, durable).catch(() => this.#jsm.consumers.add(this.#stream, config))
    }
    this.#owners = await this.#js.views.kv(`${this.#stream}_owners`, { ttl: this.options.leaseMs, history: 1 })
    this.#members = await this.#js.views.kv(`${this.#stream}_members`, { ttl: this.options.leaseMs, history: 1 })
  }

  /** Renews membership and leases; claims what this worker should own; releases what it should not. */
  async #tick(): Promise<void> {
    if (this.#state !== 'running') return
    await this.#members.put(this.workerId, text.encode(new Date().toISOString()))
    const members: string[] = []
    for await (const key of await this.#members.keys()) members.push(key)
    if (!members.includes(this.workerId)) members.push(this.workerId)
    for (let p = 0; p < this.options.partitions; p++) {
      if (this.#state !== 'running') return
      const mine = ownerOf(p, members) === this.workerId
      const owned = this.#owned.get(p)
      if (owned && !mine) await this.#release(p)
      else if (owned) {
        try {
          owned.revision = await this.#owners.update(String(p), text.encode(this.workerId), owned.revision)
        } catch {
          // Our lease lapsed and someone else holds it now: step back at once.
          await this.#release(p, false)
        }
      } else if (mine) await this.#claim(p)
    }
  }

  async #claim(partition: number): Promise<void> {
    let revision: number
    try {
      revision = await this.#owners.create(String(partition), text.encode(this.workerId))
    } catch {
      return // held by a worker whose lease has not lapsed yet; try again next tick
    }
    const consumer = await this.#js.consumers.get(this.#stream, this.#durable(partition))
    const messages = await consumer.consume({ max_messages: Math.max(1, this.options.maxAckPending) })
    const owned: OwnedPartition = {
      partition,
      revision,
      messages,
      inFlight: 0,
      idle: [],
      runner: new KeyedRunner<JsMsg>(
        (m) => partitionKey(codec.decode(m.data)),
        (m) => this.#handle(m),
        () => {
          owned.inFlight--
          if (owned.inFlight === 0) for (const wake of owned.idle.splice(0)) wake()
        },
      ),
      loop: Promise.resolve(),
    }
    ;(owned as { loop: Promise<void> }).loop = (async () => {
      for await (const m of messages) {
        owned.inFlight++
        owned.runner.push(m)
      }
    })().catch(() => undefined)
    this.#owned.set(partition, owned)
  }

  async #release(partition: number, deleteLease = true): Promise<void> {
    const owned = this.#owned.get(partition)
    if (!owned) return
    this.#owned.delete(partition)
    await owned.messages.close().catch(() => undefined)
    // Let what is in flight finish and ack before another worker may take the partition.
    if (owned.inFlight > 0) await new Promise<void>((resolve) => owned.idle.push(resolve))
    await owned.loop
    if (deleteLease) await this.#owners.delete(String(partition)).catch(() => undefined)
  }

  async #handle(m: JsMsg): Promise<void> {
    const event = codec.decode(m.data)
    if (m.info.redeliveryCount > this.options.maxDeliver) {
      await this.#giveUp(event, new Error(`delivered ${m.info.redeliveryCount} times without an ack`), m.info.redeliveryCount)
      m.term()
      return
    }
    // A long pipeline run (a send waiting out a dead worker's claim) must not look like a crash:
    // tell JetStream we are still at it, so it does not redeliver the event meanwhile.
    const heartbeat = setInterval(() => m.working(), Math.max(250, Math.floor(this.options.ackWaitMs / 3)))
    heartbeat.unref()
    try {
      let lastError: unknown
      for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
        try {
          await this.#handler!(event)
          m.ack()
          return
        } catch (error) {
          lastError = error
        }
      }
      await this.#giveUp(event, lastError, this.options.maxAttempts)
      m.ack()
    } finally {
      clearInterval(heartbeat)
    }
  }

  async #giveUp(event: OmoEvent, error: unknown, attempts: number): Promise<void> {
    await this.#onUndeliverable?.(event, error, attempts)
  }
}
