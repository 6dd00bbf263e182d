import type * as z from 'zod'
import type { Predicate } from './condition-compiler.js'
import type { ActionSpec, AudienceSchema, ConditionSpec, RuleSpec, WaitSchema } from './schema.js'

/** `{ ref: path }`: a value read from the facts (`ref('data.sku')`). */
export function ref(path: string): { readonly ref: string } {
  return { ref: path }
}

/** Types a rule written as an object literal (no runtime effect). */
export function defineRule(spec: RuleSpec): RuleSpec {
  return spec
}

/** Types an action written as an object literal (no runtime effect). */
export function defineAction(spec: ActionSpec): ActionSpec {
  return spec
}

/** What {@link RuleBuilder.do} takes besides the action(s): the rule's `do` block without them. */
export type RuleDoOptions = Omit<NonNullable<RuleSpec['do']>, 'action' | 'actions'>

/**
 * A fluent builder producing exactly the rule documents YAML files hold (`toJSON()`), so code
 * and files compile through one path. It adds one power files lack: `where(fn)`, a predicate
 * written in TypeScript, compiled in as it is.
 *
 * @example
 * ```ts
 * rule('near-store-nudge').on('geofence.entered').if({ 'data.kind': 'store' }).do('store-offer', { channels: ['push', 'line'] })
 * ```
 */
export class RuleBuilder {
  #spec: { -readonly [K in keyof RuleSpec]: RuleSpec[K] }
  readonly #predicates: Predicate[] = []

  constructor(id: string) {
    this.#spec = { id, when: {}, do: {} as RuleSpec['do'] }
  }

  /** Triggered by these event types. */
  on(...events: string[]): this {
    this.#spec.when = { ...this.#spec.when, event: events.length === 1 ? events[0]! : events }
    return this
  }

  /** Answers pull decisions at these placements. */
  at(...placements: string[]): this {
    this.#spec.when = { ...this.#spec.when, placement: placements.length === 1 ? placements[0]! : placements }
    return this
  }

  /** Adds conditions (all must hold). */
  if(condition: ConditionSpec): this {
    const current = this.#spec.when.if
    this.#spec.when = { ...this.#spec.when, if: current === undefined ? { ...condition } : { all: [current, condition] } }
    return this
  }

  /** Adds a TypeScript predicate over the facts. */
  where(predicate: Predicate): this {
    this.#predicates.push(predicate)
    return this
  }

  /** Fans out from an item to the people interested in it. */
  audience(audience: z.input<typeof AudienceSchema>): this {
    this.#spec.audience = audience
    return this
  }

  /** Waits before acting. */
  wait(wait: z.input<typeof WaitSchema>): this {
    this.#spec.wait = wait
    return this
  }

  /** Proposes one action, or several for arbitration. */
  do(action: string | readonly string[], options: RuleDoOptions = {}): this {
    this.#spec.do = typeof action === 'string' ? { ...options, action } : { ...options, actions: [...action] }
    return this
  }

  /** Revision recorded with decisions. */
  version(version: number): this {
    this.#spec.version = version
    return this
  }

  /** What the rule is for. */
  describe(description: string): this {
    this.#spec.description = description
    return this
  }

  /** The rule document. */
  toJSON(): RuleSpec {
    if (this.#predicates.length === 0) return structuredClone(this.#spec)
    const base = this.#spec.when.if
    const all: unknown[] = [...(base === undefined ? [] : [base]), ...this.#predicates]
    return { ...this.#spec, when: { ...this.#spec.when, if: { all } } }
  }
}

/** Starts a rule. */
export function rule(id: string): RuleBuilder {
  return new RuleBuilder(id)
}
