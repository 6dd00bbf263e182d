import * as z from 'zod'

/** Options of {@link natsBus} / {@link NatsEventBus}, validated with zod. */
export const NatsBusOptionsSchema = z.object({
  /** NATS servers, e.g. `nats://127.0.0.1:4222`. Ignored when a connection is given. */
  servers: z.union([z.string(), z.array(z.string())]).default('nats://127.0.0.1:4222'),
  /** The hub's name: names its streams (`OMO_<hub>_p<n>`, one per partition), subjects and KV buckets. */
  hub: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and - (max 32)').default('default'),
  /** Number of partitions events are spread over by customer. Fixed once the stream exists. */
  partitions: z.number().int().min(1).max(1024).default(32),
  /** This worker's id (unique per process). Default: hostname-pid-random. */
  workerId: z.string().min(1).max(100).optional(),
  /** How long a partition lease lasts without renewal (a crashed worker's partitions free up after it). */
  leaseMs: z.number().int().min(1_000).default(10_000),
  /** How often ownership is renewed and rebalanced. Default: a third of the lease. */
  rebalanceMs: z.number().int().min(100).optional(),
  /** How long JetStream waits for an ack before redelivering (after a crash). */
  ackWaitMs: z.number().int().min(500).default(30_000),
  /** Deliveries before an event goes to the dead letters. */
  maxDeliver: z.number().int().min(1).default(5),
  /** Handler attempts per delivery before the event goes to the dead letters. */
  maxAttempts: z.number().int().min(1).default(3),
  /**
   * Messages a worker takes from one partition before acknowledging them (JetStream's
   * `max_ack_pending`): the work in flight per partition (a message holds one event, or several
   * published together: see `publishBatchMax`). Events of one customer are still handled
   * one at a time, in order; events of different customers run concurrently. Order per customer
   * also holds across crashes whatever this is, because a worker that takes a partition over
   * starts it again after its ack floor (see {@link NatsEventBus}).
   *
   * 64 by default: with messages of up to `publishBatchMax` events, 64 messages can hold 6,400
   * events of one partition in a worker's memory (about 2,000 at the 31 events per message of
   * the bench); 256, the earlier default, held four times as many, and one side-by-side round of
   * `bench/nats.ts` (a million events) measured the same throughput within this VM's noise.
   */
  maxAckPending: z.number().int().min(1).max(10_000).default(64),
  /**
   * On start, how long a worker announces itself before claiming partitions, so that workers
   * started together agree on the split instead of one claiming everything and handing half back
   * (like Kafka's `group.initial.rebalance.delay.ms`). 0 claims at once.
   */
  joinDelayMs: z.number().int().min(0).max(60_000).default(0),
  /**
   * Events published in one turn of the event loop to one partition travel as one JetStream
   * message of at most this many events (the NATS server's cost is per message). 1 sends every
   * event on its own.
   */
  publishBatchMax: z.number().int().min(1).max(10_000).default(100),
  /** Bytes of event JSON at most in one such message (NATS refuses payloads over its `max_payload`, 1 MiB by default). */
  publishBatchBytes: z.number().int().min(1_024).max(64 * 1024 * 1024).default(256 * 1024),
  /**
   * How this process compresses the messages it publishes: `deflate` compresses every message of
   * 1 KiB or more (in practice those of several events) with `node:zlib` and marks it
   * `Content-Encoding: deflate`. Messages then take a fraction of the bytes in JetStream's
   * storage and on the wire, and the NATS server, whose CPU goes mostly on bytes, does less per
   * event; each worker pays an inflate per message instead (see docs/deploy.md, Sizing).
   * Workers read both forms whatever this says, so to switch it on, first run a version that
   * reads them everywhere. `none` (the default) publishes JSON as it is.
   */
  compression: z.enum(['none', 'deflate']).default('none'),
  /** Events published and awaiting JetStream's ack at once; `publish` waits beyond it (backpressure). */
  maxPendingPublishes: z.number().int().min(1).default(1_024),
  /** On stop, how long to keep processing the owned partitions' backlog before letting them go. */
  stopDrainMs: z.number().int().min(0).default(30_000),
  /** JetStream's duplicate window for `Nats-Msg-Id` (the event id): a re-published event is stored once. */
  duplicateWindowMs: z.number().int().min(1_000).default(120_000),
})

/** Options of the NATS bus (input form: defaults optional). */
export type NatsBusOptions = z.input<typeof NatsBusOptionsSchema>

/** Options of the NATS bus, with defaults applied. */
export type ResolvedNatsBusOptions = z.output<typeof NatsBusOptionsSchema>
