import type { EventInput } from '../envelope.js'
import { ErrorCode, OmotenashiError } from '../errors.js'
import type { Channel, DeliveryResult } from '../ports/channel.js'
import type { PlannedAction } from '../ports/decision.js'
import type { IdempotencyLedger, LedgerEntry } from '../ports/idempotency-ledger.js'
import type { PipelineContext, Stage } from './pipeline.js'

/** What the dispatcher reports as it goes (the hub turns these into hooks). */
export interface DispatchObserver {
  sent(action: PlannedAction, channel: string, result: DeliveryResult): void
  failed(action: PlannedAction, channel: string | undefined, result: DeliveryResult): void
}

/** Options of {@link ChannelDispatcher}. */
export interface ChannelDispatcherOptions {
  /** Channels by id. */
  readonly channels: ReadonlyMap<string, Channel>
  /** The ledger that makes sends exactly-once in effect. */
  readonly ledger: IdempotencyLedger
  /** Reports sends. */
  readonly observer: DispatchObserver
  /** Publish `message.sent` / `message.failed` outcome events. Default true. */
  readonly emitOutcomes?: boolean
  /** How old a pending send claim must be before another worker takes it over. Default 30 s. */
  readonly claimStaleAfterMs?: number
}

/**
 * The default act stage: sends each planned action through its channels in order. A permanent
 * failure moves on to the next channel (fallback); a transient one throws so the bus retries
 * (and, past its retries, dead-letters the event). The ledger makes a redelivered event send
 * nothing twice.
 */
export class ChannelDispatcher implements Stage {
  readonly #options: ChannelDispatcherOptions

  constructor(options: ChannelDispatcherOptions) {
    this.#options = options
  }

  run(context: PipelineContext): void | Promise<void> {
    const planned = context.decisions.flatMap((d) => (d.holdout ? [] : d.actions))
    if (planned.length === 0) return undefined
    return this.#sendAll(planned, context)
  }

  async #sendAll(planned: readonly PlannedAction[], context: PipelineContext): Promise<void> {
    for (const action of planned) await this.#send(action, context)
  }

  async #send(action: PlannedAction, context: PipelineContext): Promise<void> {
    const { channels, ledger, observer } = this.#options
    const tried: string[] = []
    for (const channelId of action.channels) {
      const channel = channels.get(channelId)
      if (!channel) {
        const result: DeliveryResult = { status: 'failed', permanent: true, reason: `no channel "${channelId}" is installed` }
        observer.failed(action, channelId, result)
        tried.push(channelId)
        continue
      }
      const key = `${action.idempotencyKey}:${channelId}`
      const claim = await this.#claim(key)
      if (claim !== 'claimed') {
        if (claim.state === 'done' && claim.result.status !== 'failed') {
          observer.sent(action, channelId, { ...claim.result, status: 'duplicate' })
          return
        }
        // A recorded permanent failure: fall through to the next channel.
        tried.push(channelId)
        continue
      }
      let result: DeliveryResult
      try {
        result = await channel.send(action.message, action.recipient, { idempotencyKey: key })
      } catch (error) {
        await ledger.release(key)
        throw new OmotenashiError(ErrorCode.Channel, `channel "${channelId}" threw: ${(error as Error).message}`, { cause: error })
      }
      for (const event of result.events ?? []) context.emit.push(event)
      if (result.status === 'failed' && !result.permanent) {
        await ledger.release(key)
        observer.failed(action, channelId, result)
        this.#outcome(context, action, channelId, 'message.failed', result)
        throw new OmotenashiError(ErrorCode.Channel, `channel "${channelId}" failed transiently: ${result.reason ?? 'unknown reason'}`)
      }
      await ledger.complete(key, result)
      if (result.status === 'failed') {
        observer.failed(action, channelId, result)
        this.#outcome(context, action, channelId, 'message.failed', result)
        tried.push(channelId)
        continue
      }
      observer.sent(action, channelId, result)
      if (result.status === 'sent') this.#outcome(context, action, channelId, 'message.sent', result)
      return
    }
    if (tried.length > 0) {
      observer.failed(action, undefined, { status: 'failed', permanent: true, reason: `no channel could deliver (tried ${tried.join(', ')})` })
    }
  }

  /**
   * Claims `key`, or learns how an earlier send of it ended. A claim left pending by a worker
   * that died mid-send is waited out (real time, polling) until its owner completes it or it
   * goes stale, then taken over: the provider's own idempotency (LINE's retry key, the email
   * ledger) keeps the re-send from delivering twice.
   */
  async #claim(key: string): Promise<'claimed' | Extract<LedgerEntry, { state: 'done' }>> {
    const { ledger } = this.#options
    const staleAfterMs = this.#options.claimStaleAfterMs ?? 30_000
    const pollMs = Math.min(250, Math.max(10, staleAfterMs / 10))
    const giveUpAt = Date.now() + staleAfterMs + 5 * pollMs
    for (;;) {
      if (await ledger.claim(key, staleAfterMs)) return 'claimed'
      const entry = await ledger.get(key)
      if (entry?.state === 'done') return entry
      if (Date.now() > giveUpAt) throw new OmotenashiError(ErrorCode.Conflict, `send ${key} is still in progress elsewhere`)
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
  }

  #outcome(context: PipelineContext, action: PlannedAction, channel: string, type: string, result: DeliveryResult): void {
    if (this.#options.emitOutcomes === false) return
    const data: Record<string, unknown> = { channel, actionId: action.actionId }
    if (action.message.decisionId !== undefined) data['decisionId'] = action.message.decisionId
    if (result.providerMessageId !== undefined) data['messageId'] = result.providerMessageId
    if (result.reason !== undefined) data['reason'] = result.reason
    if (result.permanent !== undefined) data['permanent'] = result.permanent
    if (result.unreachable !== undefined) data['unreachable'] = result.unreachable
    const event: EventInput = {
      type,
      source: 'system',
      identity: { customerId: action.recipient.customerId },
      data,
      causationId: context.event.id,
    }
    if (context.event.correlationId !== undefined) event.correlationId = context.event.correlationId
    context.emit.push(event)
  }
}
