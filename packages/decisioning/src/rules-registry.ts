import type { ActionSpec, ConditionSpec, RuleSpec } from './schema.js'
import { isRuleBook, mergeRuleBooks, ruleBook, type RuleBook } from './rule-book.js'
import { compileRuleBook, type CompileOptions, type RuleSet } from './rule-set.js'
import { loadRules, type LoadRulesOptions } from './load-rules.js'
import { RulesError } from './rules-error.js'

/** Where rules come from: a loaded book, rule objects, or a glob re-read on every reload. */
export type RulesSource = RuleBook | readonly (RuleSpec | { toJSON(): RuleSpec })[] | string | readonly string[]

/** Options of {@link RulesRegistry}. */
export interface RulesRegistryOptions extends CompileOptions {
  readonly rules?: RulesSource
  /** The action catalogue (added to the actions rule files define). */
  readonly actions?: readonly ActionSpec[]
  /** Named segments (added to those rule files define). */
  readonly segments?: Readonly<Record<string, ConditionSpec>>
  /** Directory globs are resolved from. */
  readonly cwd?: string
}

/** The outcome of a reload. */
export interface ReloadResult {
  /** Version now in force (increases on every successful load). */
  readonly version: number
  /** Rules in force. */
  readonly rules: number
}

function isGlob(source: RulesSource | undefined): source is string | readonly string[] {
  return typeof source === 'string' || (Array.isArray(source) && source.every((s) => typeof s === 'string') && source.length > 0)
}

/**
 * Holds the rules in force and swaps them atomically. A reload that fails (bad file, unknown
 * action) throws a {@link RulesError} and leaves the last good rules running: a typo in
 * production never turns decisioning off.
 */
export class RulesRegistry {
  readonly #options: RulesRegistryOptions
  #current: RuleSet
  #version = 0
  #lastError: RulesError | undefined

  constructor(options: RulesRegistryOptions) {
    this.#options = options
    // A glob is read at start (file I/O is async); until then the catalogue alone is in force.
    this.#current = this.#compile(isGlob(options.rules) ? ruleBook({}) : toBook(options.rules))
    this.#version = 1
  }

  /** The rules in force. */
  get current(): RuleSet {
    return this.#current
  }

  /** Increases with every successful load. */
  get version(): number {
    return this.#version
  }

  /** The error of the last failed reload, if the last reload failed. */
  get lastError(): RulesError | undefined {
    return this.#lastError
  }

  /** Reads glob sources at hub start. */
  async init(): Promise<void> {
    if (isGlob(this.#options.rules)) await this.reload()
  }

  /**
   * Replaces the rules: with `next` if given, else by re-reading the configured source. On any
   * problem, throws a {@link RulesError} listing them all and keeps the rules in force.
   */
  async reload(next?: RulesSource): Promise<ReloadResult> {
    const source = next ?? this.#options.rules
    try {
      const book = isGlob(source) ? await loadRules(source, this.#loadOptions()) : toBook(source)
      const compiled = this.#compile(book)
      this.#current = compiled
      this.#version++
      this.#lastError = undefined
      return { version: this.#version, rules: compiled.rules.length }
    } catch (error) {
      if (error instanceof RulesError) this.#lastError = error
      throw error
    }
  }

  #loadOptions(): LoadRulesOptions {
    const o = this.#options
    return {
      catalogue: this.#extra(),
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }), ...(o.stores === undefined ? {} : { stores: o.stores }), ...(o.computed === undefined ? {} : { computed: o.computed }) }
  }

  #extra(): RuleBook {
    return ruleBook({ actions: this.#options.actions ?? [], segments: this.#options.segments ?? {} })
  }

  #compile(book: RuleBook): RuleSet {
    return compileRuleBook(mergeRuleBooks(this.#extra(), book), { ...this.#options, checkReferences: true })
  }
}

function toBook(source: Exclude<RulesSource, string | readonly string[]> | undefined): RuleBook {
  if (source === undefined) return ruleBook({})
  if (isRuleBook(source)) return source
  return ruleBook({ rules: (source as ReadonlyArray<RuleSpec | { toJSON(): RuleSpec }>).map((r) => (typeof (r as { toJSON?: unknown }).toJSON === 'function' ? (r as { toJSON(): RuleSpec }).toJSON() : r)) })
}
