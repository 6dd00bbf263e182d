import { hostname } from 'node:os'
import { createHash, randomUUID } from 'node:crypto'
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerConfig,
  type ConsumerInfo,
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
import { assignPartitions, partitionOf } from './partitions.js'
import { CumulativeAcks } from './cumulative-acks.js'
import { CONTENT_ENCODING, decodeBody, encodeBody } from './body-encoding.js'
import { hubBuckets, partitionStream, partitionSubject } from './hub-streams.js'

const text = new TextEncoder()
const fromBytes = new TextDecoder()

/** A message taken from JetStream: one event, or several published together. */
interface Taken {
  readonly message: JsMsg
  readonly events: readonly OmoEvent[]
  /** How many times JetStream delivered it before (read once: parsing the reply subject per event showed in profiles). */
  readonly redeliveries: number
  /** Events of it not finished yet. */
  remaining: number
  /** Finished: every event of it processed, or kept as a dead letter. */
  done: boolean
}

/** One event of a message taken, as the runner sees it. */
interface TakenEvent {
  readonly event: OmoEvent
  readonly from: Taken
}

/** Events published in one turn to one partition, to go as one message. */
interface Outgoing {
  readonly partition: number
  readonly bodies: string[]
  readonly ids: Set<string>
  bytes: number
  readonly waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>
}

/** A partition this worker consumes. */
interface OwnedPartition {
  readonly partition: number
  /** The name of the consumer this worker made for the partition when it claimed it. */
  readonly consumer: string
  revision: number
  readonly messages: ConsumerMessages
  readonly runner: KeyedRunner<TakenEvent>
  /** Events handed to the runner and not yet settled (running or queued behind their customer). */
  inFlight: number
  readonly acks: CumulativeAcks<Taken>
  /** The newest message the acked prefix reached, to ack on the next turn (acks are coalesced). */
  ackThrough: JsMsg | undefined
  readonly idle: Array<() => void>
  readonly loop: Promise<void>
  readonly heartbeat: NodeJS.Timeout
  /**
   * The first message taken, when its events go to the dead letters instead of running (see
   * #restartFromAckFloor).
   */
  poisoned: Taken | undefined
  /**
   * Restarts of the partition at its ack floor counted when this worker claimed it (0: none).
   * Cleared once this worker has held the partition for a lease (see #tick).
   */
  restarts: number
  /** When this worker claimed the partition (epoch ms). */
  readonly claimedAt: number
}

/** What the resets bucket holds per partition: restarts of its consumer at one ack floor. */
interface ResetRecord {
  readonly floor: number
  readonly count: number
}

/**
 * The EventBus on NATS JetStream, for hubs of several worker processes.
 *
 * - One stream per partition (`OMO_<hub>_p<n>`, see {@link partitionStream}); an event goes to
 *   `omo.<hub>.p.<n>`, `n` = hash(customer) mod `partitions`, published with `Nats-Msg-Id` =
 *   event id (JetStream stores a re-published event once).
 *   Events published in one turn to one partition go as one message (see {@link NatsEventBus.publish}).
 * - One durable pull consumer per partition. Exactly one worker owns a partition at a time:
 *   ownership is a lease in a JetStream KV bucket that expires unless renewed, and partitions are
 *   assigned by rendezvous hashing with bounded loads over the live workers (even shares), so
 *   they rebalance when workers join or leave and a crashed worker's partitions move after
 *   `leaseMs`.
 * - A worker takes up to `maxAckPending` messages of a partition at once; events of one customer
 *   run one at a time in order, different customers concurrently. A message is acked after the
 *   hub's pipeline has finished with all its events.
 * - Order per customer across crashes: a worker that claims a partition with events still
 *   unacknowledged (its previous owner died, or let go of events it had taken but not started)
 *   gives the partition a new consumer that starts after its ack floor, so those events come
 *   again in stream order before anything newer, at once rather than after `ackWaitMs`. Events
 *   past the floor that were already done come again too; the pipeline's idempotency (profiles
 *   apply an event id once, sends go through the ledger) makes that harmless.
 * - A partition whose consumer had to be restarted more than `maxDeliver` times at the same ack
 *   floor (a worker dies on it every time) hands the events of its oldest unacked message to
 *   the dead letters. Past `maxDeliver` deliveries of its message or `maxAttempts` failures an
 *   event likewise goes to the dead letters.
 */
export class NatsEventBus implements EventBus {
  readonly options: ResolvedNatsBusOptions
  readonly workerId: string
  #nc: NatsConnection | undefined
  readonly #ownsConnection: boolean
  #js!: JetStreamClient
  #jsm!: JetStreamManager
  #owners!: KV
  #members!: KV
  #resets!: KV
  #handler: EventHandler | undefined
  #onUndeliverable: UndeliverableHandler | undefined
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  readonly #owned = new Map<number, OwnedPartition>()
  /** Partitions being let go of (their in-flight events finishing), not to be claimed meanwhile. */
  readonly #releasing = new Map<number, Promise<void>>()
  /** Partitions with an ack to send on the next turn of the event loop. */
  readonly #ackDue = new Set<OwnedPartition>()
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<void> = Promise.resolve()
  #pendingPublishes = 0
  /** Publishers waiting for room, first come first served; each is let in with its size counted. */
  readonly #publishWaiters: Array<{ readonly size: number; readonly enter: () => void }> = []
  /** Events published this turn, per partition, not yet sent. */
  readonly #outgoing = new Map<number, Outgoing>()
  #sendScheduled = false
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

  /**
   * Publishes an event. Events published in the same turn of the event loop (a batch from the
   * HTTP API, a connector's page) to the same partition go to JetStream as one message of up to
   * `publishBatchMax` events: the NATS server's work is per message, not per event.
   */
  publish(event: OmoEvent): Promise<void> {
    return this.publishAll([event])
  }

  /** Publishes events in order (see {@link NatsEventBus.publish}); the hub's batches come here. */
  async publishAll(events: readonly OmoEvent[]): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new OmotenashiError(ErrorCode.Stopped, 'the bus is stopped and takes no more events')
    }
    await this.#connect()
    // Room for all of them at once, so that they are queued together and in order; a publisher
    // arriving while others wait queues behind them (it must not pass them: order of publishes).
    if (this.#publishWaiters.length > 0 || !this.#hasRoomFor(events.length)) {
      await new Promise<void>((enter) => this.#publishWaiters.push({ size: events.length, enter }))
    } else {
      this.#pendingPublishes += events.length
    }
    try {
      await Promise.all(
        events.map(
          (event) =>
            new Promise<void>((resolve, reject) =>
              this.#enqueue(partitionOf(partitionKey(event), this.options.partitions), event.id, JSON.stringify(event), { resolve, reject }),
            ),
        ),
      )
    } finally {
      this.#pendingPublishes -= events.length
      // Let in, in order, the waiting publishers there is room for now (counting them in before
      // they resume, so nobody else takes their room), and only those.
      while (this.#publishWaiters.length > 0 && this.#hasRoomFor(this.#publishWaiters[0]!.size)) {
        const next = this.#publishWaiters.shift()!
        this.#pendingPublishes += next.size
        next.enter()
      }
    }
  }

  /** Whether `size` more events may be published now: always when none are pending (a batch larger than the limit goes alone). */
  #hasRoomFor(size: number): boolean {
    return this.#pendingPublishes === 0 || this.#pendingPublishes + size <= this.options.maxPendingPublishes
  }

  #enqueue(partition: number, id: string, body: string, waiter: Outgoing['waiters'][number]): void {
    let batch = this.#outgoing.get(partition)
    if (batch && !batch.ids.has(id) && batch.bytes + body.length > this.options.publishBatchBytes) {
      this.#send(batch)
      batch = undefined
    }
    if (!batch) {
      batch = { partition, bodies: [], ids: new Set(), bytes: 0, waiters: [] }
      this.#outgoing.set(partition, batch)
    }
    batch.waiters.push(waiter)
    // The same event twice in one turn: stored once, as JetStream would with its Nats-Msg-Id.
    if (batch.ids.has(id)) return
    batch.ids.add(id)
    batch.bodies.push(body)
    batch.bytes += body.length
    if (batch.bodies.length >= this.options.publishBatchMax) this.#send(batch)
    else if (!this.#sendScheduled) {
      this.#sendScheduled = true
      setImmediate(this.#sendAll)
    }
  }

  readonly #sendAll = (): void => {
    this.#sendScheduled = false
    for (const batch of this.#outgoing.values()) this.#send(batch)
  }

  /**
   * Sends a partition's pending events as one message: the event itself when alone (with its id
   * as `Nats-Msg-Id`), else a JSON array of them, with an id made of theirs — the same events
   * published together again are stored once; otherwise consumers' idempotency (profiles apply an
   * event id once, sends claim their key) absorbs a repeat. Compressed if `compression` says so.
   */
  #send(batch: Outgoing): void {
    this.#outgoing.delete(batch.partition)
    const single = batch.bodies.length === 1
    const { data, headers } = encodeBody(single ? batch.bodies[0]! : `[${batch.bodies.join(',')}]`, this.options.compression)
    const msgID = single ? batch.ids.values().next().value! : `batch:${createHash('sha1').update([...batch.ids].join('\n')).digest('base64url')}`
    this.#js.publish(partitionSubject(this.options.hub, batch.partition), data, headers ? { msgID, headers } : { msgID }).then(
      () => {
        for (const w of batch.waiters) w.resolve()
      },
      (error: unknown) => {
        for (const w of batch.waiters) w.reject(error)
      },
    )
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return
    if (!this.#handler) throw new OmotenashiError(ErrorCode.Config, 'call consume() before start()')
    await this.#connect()
    this.#state = 'running'
    if (this.options.joinDelayMs > 0) {
      await this.#members.put(this.workerId, text.encode(new Date().toISOString()))
      await new Promise((resolve) => setTimeout(resolve, this.options.joinDelayMs))
    }
    await this.#tick()
    const every = this.options.rebalanceMs ?? Math.floor(this.options.leaseMs / 3)
    this.#timer = setInterval(() => {
      this.#ticking = this.#ticking.then(() => this.#tick()).catch(() => undefined)
    }, every)
    this.#timer.unref()
  }

  /**
   * Resolves once every event published to the hub's streams so far has been processed and
   * acknowledged — by any worker.
   */
  async drain(): Promise<void> {
    await this.#connect()
    const partitions = Array.from({ length: this.options.partitions }, (_, p) => p)
    for (;;) {
      const outstanding = await Promise.all(partitions.map((p) => this.#outstanding(p)))
      if (outstanding.every((n) => n === 0) && this.#pendingPublishes === 0) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Events of a partition not yet processed and acknowledged (at least 1 if any, when it has no consumer yet). */
  async #outstanding(partition: number): Promise<number> {
    const consumers = await this.#consumersOf(partition)
    if (consumers.length > 0) {
      // The newest consumer is the one its owner reads (older ones are being deleted).
      const info = consumers.reduce((a, b) => (Date.parse(b.created) > Date.parse(a.created) ? b : a))
      return info.num_pending + info.num_ack_pending
    }
    // No consumer: not claimed yet. Outstanding if the partition holds any event at all (it
    // waits for a worker to make its consumer).
    return (await this.#jsm.streams.info(partitionStream(this.options.hub, partition))).state.messages > 0 ? 1 : 0
  }

  /**
   * The partition's consumers that this bus made (named `p<n>-…`; one, or two while one is
   * being replaced). Others an operator may have added to its stream are not the bus's.
   */
  async #consumersOf(partition: number): Promise<ConsumerInfo[]> {
    const ours = `p${partition}-`
    const infos: ConsumerInfo[] = []
    for await (const info of this.#jsm.consumers.list(partitionStream(this.options.hub, partition))) {
      // The list can hold a null for a consumer deleted while it was being listed.
      if ((info as ConsumerInfo | null)?.name.startsWith(ours)) infos.push(info)
    }
    return infos
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
      await Promise.all(this.#releasing.values())
      for (const partition of [...this.#owned.keys()]) await this.#release(partition)
    }
    while (this.#pendingPublishes > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    if (this.#ownsConnection && this.#nc) await this.#nc.drain()
    this.#state = 'stopped'
  }

  async #drainOwned(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs
    while (Date.now() < until) {
      const outstanding = await Promise.all(
        [...this.#owned.values()].map((owned) =>
          this.#jsm.consumers.info(partitionStream(this.options.hub, owned.partition), owned.consumer).then(
            (info) => info.num_pending + info.num_ack_pending,
            () => 0, // gone: nothing of it left to finish here
          ),
        ),
      )
      if (outstanding.every((n) => n === 0)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  #connect(): Promise<void> {
    this.#ready ??= this.#setup()
    return this.#ready
  }

  async #setup(): Promise<void> {
    this.#nc ??= await connect({ servers: this.options.servers, name: `omotenashi-${this.workerId}` })
    this.#js = this.#nc.jetstream()
    this.#jsm = await this.#nc.jetstreamManager()
    await this.#ensureStreams()
    // Partition consumers are made, remade and deleted only by the worker holding the
    // partition's lease (see #restartFromAckFloor), never here: a worker starting while another
    // restarts a consumer must not make it again behind its back.
    const buckets = hubBuckets(this.options.hub)
    this.#owners = await this.#js.views.kv(buckets.owners, { ttl: this.options.leaseMs, history: 1 })
    this.#members = await this.#js.views.kv(buckets.members, { ttl: this.options.leaseMs, history: 1 })
    this.#resets = await this.#js.views.kv(buckets.resets, { history: 1 })
  }

  /**
   * Creates the streams of the hub's partitions that do not exist yet. One info request per
   * partition rather than listing the server's streams: it needs no right to list other
   * accounts' or hubs' streams, and costs the same however many the server holds.
   */
  async #ensureStreams(): Promise<void> {
    const { hub, partitions } = this.options
    await Promise.all(
      Array.from({ length: partitions }, async (_, p) => {
        const name = partitionStream(hub, p)
        if (await this.#jsm.streams.info(name).then(() => true, () => false)) return
        await this.#jsm.streams
          .add({ name, subjects: [partitionSubject(hub, p)], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: nanos(this.options.duplicateWindowMs) })
          .catch(async (error: unknown) => {
            // Another worker created it first: fine.
            if (await this.#jsm.streams.info(name).then(() => true, () => false)) return
            // The layout before streams per partition kept the hub's events in one stream whose
            // subjects overlap these: say so rather than pass on "subjects overlap".
            if (await this.#jsm.streams.info(`OMO_${hub}`).then((info) => info.config.subjects.includes(`omo.${hub}.p.*`), () => false)) {
              throw new OmotenashiError(
                ErrorCode.Config,
                `hub "${hub}": the stream OMO_${hub} holds its events in the earlier layout (one stream for all partitions); let its workers finish it, delete it, then start this version (it keeps a stream per partition, OMO_${hub}_p<n>)`,
              )
            }
            throw error
          })
      }),
    )
  }

  #consumerConfig(name: string, startSequence?: number): Partial<ConsumerConfig> {
    return {
      durable_name: name,
      // Cumulative: one ack covers every earlier event of the partition (see CumulativeAcks).
      ack_policy: AckPolicy.All,
      ...(startSequence === undefined
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSequence }),
      ack_wait: nanos(this.options.ackWaitMs),
      max_deliver: this.options.maxDeliver + 1,
      max_ack_pending: this.options.maxAckPending,
    }
  }

  /** Renews membership and leases; claims what this worker should own; releases what it should not. */
  async #tick(): Promise<void> {
    if (this.#state !== 'running') return
    await this.#members.put(this.workerId, text.encode(new Date().toISOString()))
    const members: string[] = []
    for await (const key of await this.#members.keys()) members.push(key)
    if (!members.includes(this.workerId)) members.push(this.workerId)
    const owners = assignPartitions(this.options.partitions, members)
    // Renew every lease first: a release below can take long (it lets in-flight events finish),
    // and must not let the leases of the partitions this worker keeps lapse meanwhile.
    // `lapsed`: the lease ran out before this worker renewed it, so another may hold it now.
    const leaving: Array<{ partition: number; lapsed: boolean }> = []
    for (const [p, owned] of this.#owned) {
      if (owners[p] !== this.workerId) {
        leaving.push({ partition: p, lapsed: false })
        continue
      }
      try {
        owned.revision = await this.#owners.update(String(p), text.encode(this.workerId), owned.revision)
      } catch {
        // Our lease lapsed and someone else may hold it now: step back at once.
        leaving.push({ partition: p, lapsed: true })
        continue
      }
      // Held for a whole lease with the floor's events taken first: they do not kill a worker,
      // so earlier restarts at this floor were other deaths (a deploy, an OOM, a kill while a
      // send waited out a dead worker's claim), not a crash loop. Forget them, or enough of
      // those deaths in a row would send a healthy message to the dead letters.
      if (owned.restarts > 0 && Date.now() - owned.claimedAt >= this.options.leaseMs) {
        owned.restarts = 0
        await this.#resets.delete(String(p)).catch(() => undefined)
      }
    }
    // Releases run in the background: letting in-flight events finish can take longer than a
    // lease, and the next rounds must keep renewing the partitions this worker keeps.
    for (const { partition, lapsed } of leaving) {
      const releasing = this.#release(partition, !lapsed)
        .catch(() => undefined)
        .finally(() => this.#releasing.delete(partition))
      this.#releasing.set(partition, releasing)
    }
    for (let p = 0; p < this.options.partitions; p++) {
      if (this.#state !== 'running') return
      if (!this.#owned.has(p) && !this.#releasing.has(p) && owners[p] === this.workerId) await this.#claim(p)
    }
  }

  async #claim(partition: number): Promise<void> {
    let revision: number
    try {
      revision = await this.#owners.create(String(partition), text.encode(this.workerId))
    } catch {
      return // held by a worker whose lease has not lapsed yet; try again next tick
    }
    let name: string
    let deadLetterFirst: boolean
    let restarts: number
    let messages: ConsumerMessages
    try {
      ;({ name, deadLetterFirst, restarts } = await this.#restartFromAckFloor(partition))
      const consumer = await this.#js.consumers.get(partitionStream(this.options.hub, partition), name)
      messages = await consumer.consume({ max_messages: this.options.maxAckPending })
    } catch {
      // A JetStream call failed (a timeout, a consumer deleted while listed): give the lease back,
      // so that the next round tries again at once instead of after the lease lapses. A consumer
      // made meanwhile is found by that next claim.
      await this.#owners.delete(String(partition), { previousSeq: revision }).catch(() => undefined)
      return
    }
    const acks = new CumulativeAcks<Taken>()
    // One timer per partition, not per event: tell JetStream that every event taken and not yet
    // acked is still being worked on — those running long (a send waiting out a dead worker's
    // claim), and those finished but waiting for an earlier one before the cumulative ack can
    // cover them — so it does not redeliver them meanwhile.
    const heartbeat = setInterval(() => {
      for (const taken of acks.unacked()) taken.message.working()
    }, Math.max(250, Math.floor(this.options.ackWaitMs / 3)))
    heartbeat.unref()
    const owned: OwnedPartition = {
      partition,
      consumer: name,
      revision,
      messages,
      inFlight: 0,
      acks,
      ackThrough: undefined,
      idle: [],
      heartbeat,
      poisoned: undefined,
      restarts,
      claimedAt: Date.now(),
      runner: new KeyedRunner<TakenEvent>(
        (item) => partitionKey(item.event),
        (item) => this.#handle(item, owned),
        (item, _key, error) => {
          owned.inFlight--
          // An event that failed here (its partition was let go of mid-retry) leaves its message
          // unacked, and so everything after it: the next owner takes them again from the floor.
          if (error === undefined && --item.from.remaining === 0) this.#finished(owned, item.from)
          if (owned.inFlight === 0) for (const wake of owned.idle.splice(0)) wake()
        },
      ),
      loop: Promise.resolve(),
    }
    ;(owned as { loop: Promise<void> }).loop = (async () => {
      for await (const message of messages) {
        let events: OmoEvent[]
        try {
          const parsed = JSON.parse(decodeBody(message)) as OmoEvent | OmoEvent[]
          events = Array.isArray(parsed) ? parsed : [parsed]
          if (events.length === 0) throw new Error('an empty array of events')
        } catch (error) {
          // Not ours to read (written to the subject by something else): keep it, skip it.
          const taken: Taken = { message, events: [undecodable(message)], redeliveries: message.info.redeliveryCount, remaining: 1, done: false }
          owned.acks.take(taken)
          await this.#keepDead(owned, taken.events[0]!, error, 1)
          this.#finished(owned, taken)
          continue
        }
        const taken: Taken = { message, events, redeliveries: message.info.redeliveryCount, remaining: events.length, done: false }
        if (deadLetterFirst) {
          owned.poisoned = taken
          deadLetterFirst = false
        }
        owned.acks.take(taken)
        owned.inFlight += events.length
        for (const event of events) owned.runner.push({ event, from: taken })
      }
    })().catch(() => undefined)
    this.#owned.set(partition, owned)
  }

  /**
   * Before consuming a partition just claimed, give it a new consumer that starts after the ack
   * floor of the one(s) it had, then delete those:
   *
   * - events of it taken and never acked (by a worker that died, or that let go before starting
   *   them) come again now and in stream order, ahead of anything newer;
   * - whatever state the previous owner left on the consumer (open pull requests, delivery
   *   counts of events it took) goes with it: the new owner starts clean;
   * - the new consumer has a name of its own, so a late cumulative ack from the previous owner
   *   (its lease lapsed while it was still finishing events) reaches nothing. Sent to a consumer
   *   re-made under the old name, it would raise that consumer's delivered floor past the new
   *   owner's deliveries, and JetStream would ignore the new owner's acks until its deliveries
   *   caught up — found as events redelivered until dead-lettered in the crash test;
   * - the old consumer is deleted only once the new one exists: a worker that dies in between
   *   leaves two, and the next owner starts after the higher floor of both.
   *
   * Returns the new consumer's name, and whether the events of its first message are to go to
   * the dead letters: the partition was restarted with events unacked at the same floor more
   * than `maxDeliver` times in a row (its workers die on it).
   */
  async #restartFromAckFloor(partition: number): Promise<{ name: string; deadLetterFirst: boolean; restarts: number }> {
    const stream = partitionStream(this.options.hub, partition)
    const previous = await this.#consumersOf(partition)
    const name = `p${partition}-${randomUUID().slice(0, 8)}`
    if (previous.length === 0) {
      // The partition's first owner: its consumer starts at the stream's beginning.
      await this.#jsm.consumers.add(stream, this.#consumerConfig(name))
      return { name, deadLetterFirst: false, restarts: 0 }
    }
    const floor = Math.max(...previous.map(ackFloor))
    let count = 0
    if (previous.some((info) => info.num_ack_pending > 0)) {
      const key = String(partition)
      const last = await this.#resets.get(key).catch(() => null)
      const record = last?.value.length ? (JSON.parse(fromBytes.decode(last.value)) as ResetRecord) : undefined
      count = record && record.floor === floor ? record.count + 1 : 1
      await this.#resets.put(key, text.encode(JSON.stringify({ floor, count } satisfies ResetRecord)))
    }
    await this.#jsm.consumers.add(stream, this.#consumerConfig(name, floor + 1))
    for (const info of previous) await this.#jsm.consumers.delete(stream, info.name).catch(() => undefined)
    return { name, deadLetterFirst: count > this.options.maxDeliver, restarts: count }
  }

  async #release(partition: number, deleteLease = true): Promise<void> {
    const owned = this.#owned.get(partition)
    if (!owned) return
    this.#owned.delete(partition)
    await owned.messages.close().catch(() => undefined)
    // Let what is in flight finish and ack before another worker may take the partition.
    if (owned.inFlight > 0) await new Promise<void>((resolve) => owned.idle.push(resolve))
    clearInterval(owned.heartbeat)
    await owned.loop
    // If the partition has a new owner by now (this worker's lease lapsed), this ack goes to the
    // consumer the new owner deleted, and reaches nothing (see #restartFromAckFloor).
    this.#flushAck(owned) // sent before the lease goes: one connection keeps its order
    // This worker is alive, so the floor's event did not kill it: the next owner's restart of
    // the partition is no crash (the count of restarts at one floor detects crash loops).
    await this.#resets.delete(String(partition)).catch(() => undefined)
    // Only if the lease is still this worker's: had it lapsed unnoticed (a stalled event loop),
    // the key may hold another worker's lease by now, and deleting that would take it from them.
    if (deleteLease) await this.#owners.delete(String(partition), { previousSeq: owned.revision }).catch(() => undefined)
  }

  /** Runs one event through the handler; stays synchronous while the handler does (no promise per event then). */
  #handle({ event, from }: TakenEvent, owned: OwnedPartition): void | Promise<void> {
    if (owned.poisoned === from) {
      // The oldest unacked message of a partition whose workers kept dying on it: set its events
      // aside (which of them kills the worker is not known, so all of them).
      const lives = this.options.maxDeliver + 1
      return this.#keepDead(owned, event, new Error(`its partition's workers stopped ${lives} times without finishing it`), lives)
    }
    if (from.redeliveries > this.options.maxDeliver) {
      return this.#keepDead(owned, event, new Error(`delivered ${from.redeliveries} times without an ack`), from.redeliveries)
    }
    let result: void | Promise<void>
    try {
      result = this.#handler!(event)
    } catch (error) {
      return this.#retry(owned, event, error)
    }
    return result === undefined ? undefined : this.#settle(owned, event, result)
  }

  async #settle(owned: OwnedPartition, event: OmoEvent, pending: Promise<void>): Promise<void> {
    try {
      await pending
    } catch (error) {
      await this.#retry(owned, event, error)
    }
  }

  /** After the first attempt failed with `error`: the remaining attempts, then the dead letters. */
  async #retry(owned: OwnedPartition, event: OmoEvent, error: unknown): Promise<void> {
    let lastError = error
    for (let attempt = 2; attempt <= this.options.maxAttempts; attempt++) {
      try {
        await this.#handler!(event)
        return
      } catch (failed) {
        lastError = failed
      }
    }
    await this.#keepDead(owned, event, lastError, this.options.maxAttempts)
  }

  /**
   * Hands an event to the dead letters. If keeping it fails (the dead-letter store is down), it
   * tries again with back-off for as long as this worker owns the partition (the heartbeat keeps
   * the event from being redelivered meanwhile); an event is acked only once kept, never lost.
   */
  async #keepDead(owned: OwnedPartition, event: OmoEvent, error: unknown, attempts: number): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        await this.#giveUp(event, error, attempts)
        return
      } catch (keepError) {
        if (this.#owned.get(owned.partition) !== owned) throw keepError
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
  }

  #finished(owned: OwnedPartition, taken: Taken): void {
    const through = owned.acks.finish(taken)
    if (!through) return
    owned.ackThrough = through.message
    this.#ackDue.add(owned)
    // Coalesce: once per turn of the event loop, one ack per partition covers everything
    // finished in it, and all of them leave in one socket write.
    if (this.#ackDue.size === 1) setImmediate(this.#flushAcks)
  }

  readonly #flushAcks = (): void => {
    for (const owned of this.#ackDue) this.#flushAck(owned)
    this.#ackDue.clear()
  }

  #flushAck(owned: OwnedPartition): void {
    owned.ackThrough?.ack()
    owned.ackThrough = undefined
  }

  async #giveUp(event: OmoEvent, error: unknown, attempts: number): Promise<void> {
    await this.#onUndeliverable?.(event, error, attempts)
  }
}

/**
 * The stream sequence a consumer has settled everything up to: its ack floor, or, while it has
 * acked nothing, the sequence before the one it was made to start at (JetStream reports an ack
 * floor of 0 then, which would send the next owner back to the start of the stream).
 */
function ackFloor(info: ConsumerInfo): number {
  const start = info.config.deliver_policy === DeliverPolicy.StartSequence ? (info.config.opt_start_seq ?? 1) - 1 : 0
  return Math.max(info.ack_floor.stream_seq, start)
}

/**
 * A stand-in event for a message that is not one, so the dead letters can still keep it: its
 * body as text, or, when it names an encoding (which may be what could not be read), as base64.
 */
function undecodable(message: JsMsg): OmoEvent {
  const encoding = message.headers?.get(CONTENT_ENCODING)
  return {
    id: `nats:${message.info.stream}:${message.seq}`,
    type: 'bus.undecodable',
    source: 'nats',
    time: new Date(message.info.timestampNanos / 1e6).toISOString(),
    identity: {},
    data: encoding
      ? { subject: message.subject, encoding, base64: Buffer.from(message.data.subarray(0, 10_000)).toString('base64') }
      : { subject: message.subject, body: fromBytes.decode(message.data).slice(0, 10_000) },
  }
}
