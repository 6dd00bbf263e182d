import type * as z from 'zod'
import { EventInputSchema, type EventInput, type OmoEvent } from '../envelope.js'
import { ErrorCode, OmotenashiError, ValidationError, issuesFromZod, type ValidationIssue } from '../errors.js'
import { identifiersOf } from '../identity.js'
import { fastEnvelope } from './fast-envelope.js'
import { STANDARD_EVENTS, type EventDefinition } from './standard-events.js'

/** Options of an {@link EventCatalog}. */
export interface EventCatalogOptions {
  /** Accept event types that are not registered (their `data` is kept unchecked). Default false. */
  readonly acceptUnknownTypes?: boolean
  /** Start from the standard OMO catalogue. Default true. */
  readonly standard?: boolean
}

/** What a catalogue needs to fill in defaults. */
export interface NormaliseContext {
  /** Current time (ISO) for events without `time`. */
  readonly now: () => string
  /** New id for events without `id`. */
  readonly newId: () => string
}

/**
 * The registry of event types and their payload schemas. Validates and normalises input into
 * {@link OmoEvent}s, listing every problem at once.
 */
export class EventCatalog {
  readonly #definitions = new Map<string, EventDefinition>()
  readonly #acceptUnknown: boolean

  constructor(options: EventCatalogOptions = {}) {
    this.#acceptUnknown = options.acceptUnknownTypes ?? false
    if (options.standard ?? true) {
      for (const [type, definition] of Object.entries(STANDARD_EVENTS)) this.#definitions.set(type, definition)
    }
  }

  /**
   * Registers a custom event type. Throws if the type exists already (replacing a standard
   * schema by accident would silently change what other packages rely on).
   */
  register<TData>(type: string, definition: EventDefinition<TData>): this {
    if (this.#definitions.has(type)) {
      throw new OmotenashiError(ErrorCode.Config, `event type "${type}" is already registered`)
    }
    if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(type)) {
      throw new OmotenashiError(ErrorCode.Config, `event type "${type}" must be dotted lower-case words`)
    }
    this.#definitions.set(type, definition as EventDefinition)
    return this
  }

  /** Whether `type` is registered. */
  has(type: string): boolean {
    return this.#definitions.has(type)
  }

  /** The definition of `type`, if registered. */
  get(type: string): EventDefinition | undefined {
    return this.#definitions.get(type)
  }

  /** Every registered type, sorted. */
  types(): string[] {
    return [...this.#definitions.keys()].sort()
  }

  /** Validates and normalises `input`; returns the event or every problem found. */
  safeParse(input: unknown, context: NormaliseContext): { ok: true; event: OmoEvent } | { ok: false; issues: ValidationIssue[]; code: ErrorCode } {
    // Hot path: a hand-written envelope check; anything it is unsure of goes to zod below.
    const fast = fastEnvelope(input)
    const envelope = fast ? { success: true as const, data: fast } : EventInputSchema.safeParse(input)
    const issues: ValidationIssue[] = envelope.success ? [] : issuesFromZod(envelope.error)
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Partial<EventInput>
    const type = envelope.success ? envelope.data.type : typeof raw.type === 'string' ? raw.type : undefined
    const definition = type === undefined ? undefined : this.#definitions.get(type)
    let code: ErrorCode = ErrorCode.Validation

    let data: Record<string, unknown> = envelope.success ? (envelope.data.data ?? {}) : {}
    if (type !== undefined && definition === undefined && !this.#acceptUnknown && !issues.some((i) => i.path === 'type')) {
      issues.push({ path: 'type', message: `unknown event type "${type}": register it or configure the hub to accept unknown types`, code: 'unknown_type' })
      code = ErrorCode.UnknownEventType
    }
    if (definition) {
      const parsed = (definition.data as z.ZodType).safeParse(raw.data ?? {})
      if (parsed.success) data = parsed.data as Record<string, unknown>
      else issues.push(...issuesFromZod(parsed.error, 'data'))
      if (envelope.success) {
        const identity = envelope.data.identity
        if (definition.needsCustomer && identifiersOf(identity).length === 0 && !identity?.['customerId']) {
          issues.push({ path: 'identity', message: `a ${type} event must identify the customer (customerId or at least one identifier)`, code: 'custom' })
        }
        if (definition.needsStore && envelope.data.storeId === undefined) {
          issues.push({ path: 'storeId', message: `a ${type} event must name the store`, code: 'custom' })
        }
      }
    }
    if (issues.length > 0 || !envelope.success) return { ok: false, issues, code }
    const e = envelope.data
    const event: OmoEvent = {
      id: e.id ?? context.newId(),
      type: e.type,
      source: e.source,
      time: e.time ?? context.now(),
      identity: e.identity ?? {},
      data,
      ...(e.subject === undefined ? {} : { subject: e.subject }),
      ...(e.storeId === undefined ? {} : { storeId: e.storeId }),
      ...(e.location === undefined ? {} : { location: e.location }),
      ...(e.causationId === undefined ? {} : { causationId: e.causationId }),
      ...(e.correlationId === undefined ? {} : { correlationId: e.correlationId }),
    }
    return { ok: true, event }
  }

  /** Like {@link EventCatalog.safeParse} but throws a {@link ValidationError}. */
  parse(input: unknown, context: NormaliseContext): OmoEvent {
    const result = this.safeParse(input, context)
    if (!result.ok) throw new ValidationError('event', result.issues, result.code)
    return result.event
  }
}
