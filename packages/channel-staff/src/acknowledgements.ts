import { createHash, randomBytes } from 'node:crypto'
import type { Clock, Connector, ConnectorHealth, Emit, EventInput } from '@omotenashi/core'
import * as z from 'zod'
import type { StaffTokenClaims } from './device-token.js'
import type { CardAcknowledgement, FeedEntry, StoreFeed } from './store-feed.js'

/** An acknowledgement as a device sends it (over the socket or the POST route). */
export const AcknowledgementInputSchema = z.object({
  /** The card acknowledged. */
  cardId: z.string().min(1).max(100),
  /** Served the customer, dismissed the card, or added a note. */
  outcome: z.enum(['served', 'dismissed', 'noted']),
  /** A note (required for `noted`). */
  note: z.string().trim().min(1).max(2000).optional(),
  /**
   * The device's own id for this acknowledgement: a retry with the same id records nothing new.
   * Default: one per call.
   */
  ackId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
    .optional(),
}).refine((a) => a.outcome !== 'noted' || a.note !== undefined, { path: ['note'], message: 'is required when outcome is "noted"' })

/** An acknowledgement as a device sends it. See {@link AcknowledgementInputSchema}. */
export type AcknowledgementInput = z.input<typeof AcknowledgementInputSchema>

/** A call-centre agent's outcome for the action the agent card suggested. */
export const AgentOutcomeInputSchema = z.object({
  /** The customer (the card's `customerId`). */
  customerId: z.string().min(1).max(512),
  /** The action offered (the card's `actionId`). */
  actionId: z.string().min(1).max(200),
  /** The pull decision it came from (the card's `decisionId`). */
  decisionId: z.string().min(1).max(200).optional(),
  /** What the customer said. */
  response: z.enum(['accepted', 'declined', 'later']),
  /** The agent. */
  agentId: z.string().min(1).max(200).optional(),
  /** The agent's note. */
  note: z.string().trim().min(1).max(2000).optional(),
  /** The caller's id for this outcome: a retry with the same id records nothing new. */
  outcomeId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
    .optional(),
})

/** A call-centre agent's outcome. See {@link AgentOutcomeInputSchema}. */
export type AgentOutcomeInput = z.input<typeof AgentOutcomeInputSchema>

/** The outcome of {@link StaffAcknowledgements.acknowledge}: the event recorded, or why not (with an HTTP status). */
export type AcknowledgeResult =
  | { readonly ok: true; readonly eventId: string; readonly ack: CardAcknowledgement }
  | { readonly ok: false; readonly status: 400 | 404 | 503; readonly error: string; readonly issues?: ReadonlyArray<{ path: string; message: string }> }

/**
 * Brings staff acknowledgements into the hub as `staff.acknowledged` events, tied to the
 * customer the card was about. A Connector: the hub starts it with its `emit`; until then
 * (and after stop) acknowledgements are refused with 503 so devices retry.
 */
export class StaffAcknowledgements implements Connector {
  readonly id = 'staff-acknowledgements'
  readonly #feed: StoreFeed
  readonly #clock: Pick<Clock, 'now'>
  #emit: Emit | undefined
  #lastEventAt: string | undefined
  readonly #counters = { acknowledged: 0, refused: 0, failed: 0 }
  readonly #inFlight = new Map<string, Promise<AcknowledgeResult>>()
  readonly #recentOutcomes = new Set<string>()

  constructor(feed: StoreFeed, clock: Pick<Clock, 'now'>) {
    this.#feed = feed
    this.#clock = clock
  }

  async start(emit: Emit): Promise<void> {
    this.#emit = emit
  }

  async stop(): Promise<void> {
    this.#emit = undefined
  }

  async health(): Promise<ConnectorHealth> {
    const counters = { ...this.#counters, devices: this.#feed.subscribers() }
    return {
      status: this.#emit ? 'up' : 'down',
      ...(this.#emit ? {} : { detail: 'not started' }),
      ...(this.#lastEventAt === undefined ? {} : { lastEventAt: this.#lastEventAt }),
      counters,
    }
  }

  /**
   * Records one acknowledgement from a signed-in device. The card must still be buffered and
   * belong to a store the device's token grants (otherwise 404, saying nothing of other stores).
   */
  async acknowledge(claims: StaffTokenClaims, input: unknown): Promise<AcknowledgeResult> {
    const parsed = AcknowledgementInputSchema.safeParse(input)
    if (!parsed.success) {
      this.#counters.refused++
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
      return { ok: false, status: 400, error: `acknowledgement is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues }
    }
    const a = parsed.data
    const entry = this.#feed.find(a.cardId)
    if (!entry || !claims.stores.includes(entry.card.storeId)) {
      this.#counters.refused++
      return { ok: false, status: 404, error: `no card "${a.cardId}" in your stores` }
    }
    const emit = this.#emit
    if (!emit) return { ok: false, status: 503, error: 'the hub is not running' }
    const { card } = entry
    // Scoped to the staff member, so two devices choosing the same ackId never swallow each
    // other's acknowledgement; hashed to keep the event id short whatever the ids' lengths.
    const scope = createHash('sha256').update(`${claims.sub}\u0000${a.ackId ?? randomBytes(9).toString('base64url')}`).digest('base64url').slice(0, 22)
    const eventId = `staff-ack:${card.id}:${scope}`
    // A device retrying with the same ackId gets the first answer; nothing is recorded twice
    // (the hub runs an event again when it is published again, so this is the place to stop it).
    const earlier = entry.acks.find((x) => x.eventId === eventId)
    if (earlier) return { ok: true, eventId, ack: earlier }
    const inFlight = this.#inFlight.get(eventId)
    if (inFlight) return inFlight
    const pending = this.#record(claims, a, entry.card, eventId, emit)
    this.#inFlight.set(eventId, pending)
    try {
      return await pending
    } finally {
      this.#inFlight.delete(eventId)
    }
  }

  /**
   * Records a call-centre agent's outcome as an `offer.responded` event (channel `staff`), so
   * later decisions learn from it.
   */
  async agentOutcome(input: unknown): Promise<{ ok: true; eventId: string } | { ok: false; status: 400 | 503; error: string; issues?: ReadonlyArray<{ path: string; message: string }> }> {
    const parsed = AgentOutcomeInputSchema.safeParse(input)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
      return { ok: false, status: 400, error: `outcome is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues }
    }
    const emit = this.#emit
    if (!emit) return { ok: false, status: 503, error: 'the hub is not running' }
    const o = parsed.data
    // Hashed: the ids it is made of may together pass the 200 characters an event id may have.
    const key = [o.customerId, o.decisionId ?? o.actionId, o.outcomeId ?? randomBytes(9).toString('base64url')].join('\u0000')
    const eventId = `agent-outcome:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`
    if (this.#recentOutcomes.has(eventId)) return { ok: true, eventId }
    const data: Record<string, unknown> = { actionId: o.actionId, response: o.response, channel: 'staff' }
    if (o.decisionId !== undefined) data['decisionId'] = o.decisionId
    if (o.agentId !== undefined) data['agentId'] = o.agentId
    if (o.note !== undefined) data['note'] = o.note
    const result = await emit({
      id: eventId,
      type: 'offer.responded',
      source: 'callcenter',
      time: new Date(this.#clock.now()).toISOString(),
      identity: { customerId: o.customerId },
      data,
      ...(o.decisionId === undefined ? {} : { causationId: o.decisionId }),
    })
    if (!result.ok) return { ok: false, status: 503, error: `the hub refused the outcome: ${result.error.message}` }
    this.#lastEventAt = new Date(this.#clock.now()).toISOString()
    // Remembered (bounded) so a retried outcome is not counted twice by response learning.
    this.#recentOutcomes.add(eventId)
    if (this.#recentOutcomes.size > 10_000) this.#recentOutcomes.delete(this.#recentOutcomes.values().next().value!)
    return { ok: true, eventId: result.id }
  }

  async #record(claims: StaffTokenClaims, a: z.output<typeof AcknowledgementInputSchema>, card: FeedEntry['card'], eventId: string, emit: Emit): Promise<AcknowledgeResult> {
    const at = new Date(this.#clock.now()).toISOString()
    const data: Record<string, unknown> = { cardId: card.id, staffId: claims.sub, outcome: a.outcome, actionId: card.actionId }
    if (a.note !== undefined) data['note'] = a.note
    if (card.decisionId !== undefined) data['decisionId'] = card.decisionId
    const event: EventInput = {
      id: eventId,
      type: 'staff.acknowledged',
      source: 'staff',
      time: at,
      identity: { customerId: card.customerId },
      storeId: card.storeId,
      data,
      ...(card.decisionId === undefined ? {} : { causationId: card.decisionId }),
    }
    const result = await emit(event)
    if (!result.ok) {
      this.#counters.failed++
      return { ok: false, status: 503, error: `the hub refused the acknowledgement: ${result.error.message}` }
    }
    const ack: CardAcknowledgement = { staffId: claims.sub, outcome: a.outcome, at, eventId: result.id, ...(a.note === undefined ? {} : { note: a.note }) }
    this.#feed.acknowledge(card.id, ack)
    this.#counters.acknowledged++
    this.#lastEventAt = at
    return { ok: true, eventId: result.id, ack }
  }
}
