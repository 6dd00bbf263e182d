import { parseDuration, type GeoPoint } from '@omotenashi/core'
import type * as z from 'zod'
import { compileAction, type CompiledAction } from './catalogue.js'
import { compileCondition, compileValue, conditionSource, type CompileEnv, type CompileProblem, type Predicate, type StockLookup } from './condition-compiler.js'
import { parseClock } from './local-time.js'
import type { Facts } from './facts.js'
import { compilePath, type ComputedTraits, type Getter } from './paths.js'
import type { RuleBook, RuleBookEntry, RuleOrigin } from './rule-book.js'
import { RulesError, type RuleProblem } from './rules-error.js'
import { ActionSchema, ConditionSchema, RuleSchema } from './schema.js'

type RuleParsed = z.output<typeof RuleSchema>

/** An event that cancels a waiting rule, compiled. */
export interface CompiledCancel {
  readonly event: string
  /** The item of the waiting event; the cancelling event must concern it. */
  readonly sameItem?: Getter
  /** A value both events must share (read from each). */
  readonly same?: Getter
}

/** A rule's wait, compiled. */
export interface CompiledWait {
  readonly forMs?: number
  readonly atMinutes?: number
  readonly ifPassed: 'next' | 'skip' | 'now'
  readonly cancelOn: readonly CompiledCancel[]
  readonly condition?: Predicate
  readonly expireAfterMs?: number
}

/** A rule's fan-out, compiled. */
export interface CompiledAudience {
  readonly interest: string
  readonly item: Getter
  readonly withinMs?: number
  readonly unless?: string
  readonly limit?: number
}

/** A rule compiled into closures. */
export interface CompiledRule {
  readonly id: string
  readonly version: number
  /** Position in the book: the order rules are listed and tie-broken in. */
  readonly index: number
  readonly description?: string
  /** Trigger keys: event types, or `placement:<name>`. */
  readonly triggers: readonly string[]
  readonly condition: Predicate
  readonly audience?: CompiledAudience
  readonly wait?: CompiledWait
  readonly actions: readonly string[]
  readonly channels?: readonly string[]
  readonly quietHours?: 'defer' | 'drop' | 'ignore'
  readonly weight: number
  readonly item?: Getter
  readonly variables: ReadonlyArray<readonly [string, Getter]>
  readonly stockLookups: readonly StockLookup[]
  readonly contextKeys: ReadonlySet<string>
}

/** Options of {@link compileRuleBook}. */
export interface CompileOptions {
  /** Store locations for `near: { store }`. */
  readonly stores?: Readonly<Record<string, GeoPoint>>
  /** Computed-trait functions for `profile.computed.<name>`. */
  readonly computed?: ComputedTraits
  /** Check references to actions and segments (off while loading files whose actions come later). Default true. */
  readonly checkReferences?: boolean
}

interface Bucket {
  readonly all: readonly CompiledRule[]
  /** Pushes the rules whose conditions hold, in book order. */
  readonly run: (facts: Facts, fired: CompiledRule[]) => void
}

/** The `if (…) fired.push(R[i])` lines of some rules of a bucket (`R` holds the bucket's rules). */
function ruleLines(rules: readonly CompiledRule[], positions: ReadonlyMap<CompiledRule, number>, env: CompileEnv | undefined, helper: (value: unknown) => string, hoist: (path: string) => string, indent: string): string {
  return rules
    .map((rule) => {
      const spec = SOURCES.get(rule)
      const code = env && spec !== undefined && spec.enabled ? (spec.condition === undefined ? 'true' : conditionSource(spec.condition, env, helper, hoist).code) : `${helper(rule.condition)}(f)`
      return `${indent}if (${code}) fired.push(R[${positions.get(rule)}]);`
    })
    .join('\n')
}

/**
 * One function per trigger: the conditions of all its rules written out, behind an integer
 * `switch` on the indexed value when there is one. An event then runs one hot function: no call
 * per rule, no rarely-called function per rule to warm up (a thousand rules would otherwise be a
 * thousand cold functions scattered in memory). Rules whose conditions cannot be written out
 * (TypeScript predicates, disabled rules) are called through their closure.
 */
function bucketFunction(all: readonly CompiledRule[], env: CompileEnv | undefined, index?: { readonly path: string; readonly get: Getter; readonly byValue: ReadonlyMap<unknown, readonly CompiledRule[]>; readonly rest: readonly CompiledRule[] }): Bucket['run'] {
  const helpers: unknown[] = []
  const helper = (value: unknown): string => {
    helpers.push(value)
    return `h[${helpers.length - 1}]`
  }
  const positions = new Map(all.map((rule, i) => [rule, i]))
  // Every event or profile path the rules test is read once, at the top: the rules below
  // compare variables, which keeps the function small (and so fast: a thousand rules of
  // repeated property chains are more machine code than the CPU's caches hold).
  const hoisted = new Map<string, string>()
  const hoist = (path: string): string => {
    let name = hoisted.get(path)
    if (name === undefined) hoisted.set(path, (name = `v${hoisted.size}`))
    return name
  }
  let body: string
  if (!index) body = ruleLines(all, positions, env, helper, hoist, '  ')
  else {
    const cases = [...index.byValue.values()]
    const caseOf = new Map([...index.byValue.keys()].map((value, i) => [value, i]))
    const byIndex = (a: CompiledRule, b: CompiledRule): number => a.index - b.index
    body = [
      `  const base = fired.length;`,
      `  switch (${helper(caseOf)}.get(${helper(index.get)}(f))) {`,
      ...cases.map((rules, i) => `    case ${i}:\n${ruleLines(rules, positions, env, helper, hoist, '      ')}\n      break;`),
      `  }`,
      `  const mid = fired.length;`,
      ruleLines(index.rest, positions, env, helper, hoist, '  '),
      // Indexed and other rules both fired: put them back in book order.
      `  if (mid > base && fired.length > mid) fired.sort(${helper(byIndex)});`,
    ].join('\n')
  }
  const reads = [...hoisted].map(([path, name]) => `  const ${name} = ${path};`).join('\n')
  return new Function('h', 'R', `"use strict"; return function rules(f, fired) {\n  let t;\n${reads}\n${body}\n}`)(helpers, all) as Bucket['run']
}

/** The condition each compiled rule was written with, for {@link ruleList}. */
const SOURCES = new WeakMap<CompiledRule, { readonly condition: unknown; readonly enabled: boolean }>()

/** Below this many rules sharing one equality test, a bucket is scanned, not indexed. */
const INDEX_THRESHOLD = 8

/**
 * A compiled rule set: rules indexed by trigger (and, inside a trigger, by their most shared
 * equality test), the action catalogue and the segments. Evaluating an event never reads the
 * rule documents again: it runs the closures of the rules its trigger selects.
 */
export class RuleSet {
  readonly rules: readonly CompiledRule[]
  readonly actions: ReadonlyMap<string, CompiledAction>
  readonly segments: ReadonlyMap<string, Predicate>
  readonly #buckets = new Map<string, Bucket>()
  readonly #cancellers = new Map<string, Array<{ readonly rule: CompiledRule; readonly cancel: CompiledCancel }>>()
  readonly #byId: ReadonlyMap<string, CompiledRule>

  /** @internal use {@link compileRuleBook}. */
  constructor(rules: CompiledRule[], actions: Map<string, CompiledAction>, segments: Map<string, Predicate>, equalities: Map<CompiledRule, Map<string, unknown>>, computed: ComputedTraits, env?: CompileEnv) {
    this.rules = rules
    this.actions = actions
    this.segments = segments
    this.#byId = new Map(rules.map((r) => [r.id, r]))
    const grouped = new Map<string, CompiledRule[]>()
    for (const rule of rules) {
      for (const trigger of rule.triggers) {
        let list = grouped.get(trigger)
        if (!list) grouped.set(trigger, (list = []))
        list.push(rule)
      }
      for (const cancel of rule.wait?.cancelOn ?? []) {
        let list = this.#cancellers.get(cancel.event)
        if (!list) this.#cancellers.set(cancel.event, (list = []))
        list.push({ rule, cancel })
      }
    }
    for (const [trigger, list] of grouped) this.#buckets.set(trigger, buildBucket(list, equalities, computed, env))
  }

  /** Trigger keys that have rules. */
  triggers(): string[] {
    return [...this.#buckets.keys()]
  }

  /** The rules of one trigger, in book order. */
  rulesFor(trigger: string): readonly CompiledRule[] {
    return this.#buckets.get(trigger)?.all ?? []
  }

  /** A rule by id. */
  rule(id: string): CompiledRule | undefined {
    return this.#byId.get(id)
  }

  /** Rules waiting on something that `eventType` cancels. */
  cancellers(eventType: string): ReadonlyArray<{ readonly rule: CompiledRule; readonly cancel: CompiledCancel }> {
    return this.#cancellers.get(eventType) ?? []
  }

  /**
   * The rules of `trigger` whose conditions hold for `facts`, in book order. This is the hot
   * path: a map lookup, at most one more, and the rules' closures.
   */
  match(trigger: string, facts: Facts): CompiledRule[] {
    const fired: CompiledRule[] = []
    this.#buckets.get(trigger)?.run(facts, fired)
    return fired
  }
}

function buildBucket(list: CompiledRule[], equalities: Map<CompiledRule, Map<string, unknown>>, computed: ComputedTraits, env: CompileEnv | undefined): Bucket {
  const counts = new Map<string, number>()
  for (const rule of list) for (const path of equalities.get(rule)?.keys() ?? []) counts.set(path, (counts.get(path) ?? 0) + 1)
  let best: string | undefined
  let bestCount = 0
  for (const [path, n] of counts) if (n > bestCount) [best, bestCount] = [path, n]
  if (best === undefined || bestCount < INDEX_THRESHOLD) return { all: list, run: bucketFunction(list, env) }
  const get = compilePath(best, computed)
  if (typeof get === 'string') return { all: list, run: bucketFunction(list, env) }
  const byValue = new Map<unknown, CompiledRule[]>()
  const rest: CompiledRule[] = []
  for (const rule of list) {
    const eq = equalities.get(rule)
    if (eq?.has(best)) {
      const value = eq.get(best)
      let hits = byValue.get(value)
      if (!hits) byValue.set(value, (hits = []))
      hits.push(rule)
    } else rest.push(rule)
  }
  return { all: list, run: bucketFunction(list, env, { path: best, get, byValue, rest }) }
}

/** The top-level `path: literal` (or `{ eq: literal }`) tests of a condition: index candidates. */
function equalitiesOf(condition: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>()
  if (typeof condition !== 'object' || condition === null) return out
  for (const [key, value] of Object.entries(condition)) {
    if (!/^(data|event|profile|context)\./.test(key) || key.includes('*')) continue
    const literal = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'eq' in value ? (value as { eq: unknown }).eq : value
    if (typeof literal === 'string' || typeof literal === 'number' || typeof literal === 'boolean') out.set(key, literal)
  }
  return out
}

/**
 * Validates and compiles a rule book. Throws a {@link RulesError} listing every problem (file,
 * line, path, reason) when anything is wrong; nothing half-compiled is ever returned.
 */
export function compileRuleBook(book: RuleBook, options: CompileOptions = {}): RuleSet {
  const problems: RuleProblem[] = []
  const checkRefs = options.checkReferences ?? true
  const computed = options.computed ?? {}
  const segments = new Map<string, Predicate>()
  const segmentNames = new Set(book.segments.map((s) => s.name))
  const report = (origin: RuleOrigin, list: readonly CompileProblem[] | ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): void => {
    for (const p of list) {
      const path = [...origin.path, ...(p.path as ReadonlyArray<string | number>)]
      const line = origin.lineOf?.(path)
      problems.push({ ...(origin.file === undefined ? {} : { file: origin.file }), ...(line === undefined ? {} : { line }), path: path.join('.'), message: p.message })
    }
  }
  const newEnv = (): CompileEnv => ({
    computed,
    stores: options.stores ?? {},
    // While references are not checked, any segment name is accepted (it may come from another file).
    segmentNames: checkRefs ? segmentNames : new Proxy(segmentNames, { get: (t, k) => (k === 'has' ? () => true : Reflect.get(t, k)) }),
    segment: (name) => segments.get(name),
    problems: [],
    stockLookups: [],
    contextKeys: new Set(),
  })

  // Segments
  const seenSegments = new Set<string>()
  for (const entry of book.segments) {
    if (seenSegments.has(entry.name)) report(entry.origin, [{ path: [], message: `segment "${entry.name}" is defined twice` }])
    seenSegments.add(entry.name)
    const parsed = ConditionSchema.safeParse(entry.spec)
    if (!parsed.success) {
      report(entry.origin, parsed.error.issues)
      continue
    }
    const env = newEnv()
    const predicate = compileCondition(parsed.data, [], env)
    report(entry.origin, env.problems)
    if (env.stockLookups.length > 0) report(entry.origin, [{ path: [], message: 'segments cannot read stock' }])
    segments.set(entry.name, predicate)
  }

  // Actions
  const actions = new Map<string, CompiledAction>()
  const actionOrigins = new Map<string, RuleOrigin>()
  for (const entry of book.actions) {
    const parsed = ActionSchema.safeParse(entry.spec)
    if (!parsed.success) {
      report(entry.origin, parsed.error.issues)
      continue
    }
    if (actions.has(parsed.data.id)) {
      report(entry.origin, [{ path: ['id'], message: `action "${parsed.data.id}" is defined twice` }])
      continue
    }
    const env = newEnv()
    actions.set(parsed.data.id, compileAction(parsed.data, [], env))
    actionOrigins.set(parsed.data.id, entry.origin)
    report(entry.origin, env.problems)
  }
  if (checkRefs) {
    for (const [id, action] of actions) {
      if (action.insteadIfBought !== undefined && !actions.has(action.insteadIfBought)) {
        report(actionOrigins.get(id)!, [{ path: ['insteadIfBought'], message: `unknown action "${action.insteadIfBought}"` }])
      }
    }
  }

  // Rules
  const rules: CompiledRule[] = []
  const equalities = new Map<CompiledRule, Map<string, unknown>>()
  const ruleIds = new Set<string>()
  for (const entry of book.rules) {
    const compiled = compileRule(entry, rules.length, newEnv(), (list) => report(entry.origin, list))
    if (!compiled) continue
    const [rule, spec] = compiled
    if (ruleIds.has(rule.id)) {
      report(entry.origin, [{ path: ['id'], message: `rule "${rule.id}" is defined twice` }])
      continue
    }
    ruleIds.add(rule.id)
    if (checkRefs) {
      rule.actions.forEach((id, i) => {
        if (!actions.has(id)) report(entry.origin, [{ path: spec.do.actions ? ['do', 'actions', i] : ['do', 'action'], message: `unknown action "${id}"; define it in the catalogue` }])
      })
    }
    rules.push(rule)
    equalities.set(rule, equalitiesOf(spec.when.if))
    SOURCES.set(rule, { condition: spec.when.if, enabled: spec.enabled !== false })
  }
  if (problems.length > 0) throw new RulesError(problems)
  return new RuleSet(rules, actions, segments, equalities, computed, newEnv())
}

function compileRule(entry: RuleBookEntry, index: number, env: CompileEnv, report: (p: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>) => void): [CompiledRule, RuleParsed] | undefined {
  const parsed = RuleSchema.safeParse(entry.spec)
  if (!parsed.success) {
    report(parsed.error.issues)
    return undefined
  }
  const spec = parsed.data
  const condition = spec.when.if ? compileCondition(spec.when.if, ['when', 'if'], env) : () => true
  const triggers = spec.when.event !== undefined ? [spec.when.event].flat() : [spec.when.placement ?? []].flat().map((p) => `placement:${p}`)
  let audience: CompiledAudience | undefined
  if (spec.audience) {
    const a = spec.audience
    audience = {
      interest: a.interest,
      item: compileValue(a.item, ['audience', 'item'], env),
      ...(a.within === undefined ? {} : { withinMs: parseDuration(a.within, { field: 'within' }) }),
      ...(a.unless === undefined ? {} : { unless: a.unless }),
      ...(a.limit === undefined ? {} : { limit: a.limit }),
    }
    if (a.item === undefined) env.problems.push({ path: ['audience', 'item'], message: 'the item to fan out from is required, e.g. { ref: data.sku }' })
  }
  let wait: CompiledWait | undefined
  if (spec.wait) {
    const w = spec.wait
    const cancelOn: CompiledCancel[] = (w.cancelOn ?? []).map((c, i) => {
      const path = (p: string | undefined, key: string): Getter | undefined => {
        if (p === undefined) return undefined
        const g = compilePath(p, env.computed)
        if (typeof g === 'string') {
          env.problems.push({ path: ['wait', 'cancelOn', i, key], message: g })
          return undefined
        }
        return g
      }
      const sameItem = path(c.sameItem, 'sameItem')
      const same = path(c.same, 'same')
      return { event: c.event, ...(sameItem === undefined ? {} : { sameItem }), ...(same === undefined ? {} : { same }) }
    })
    wait = {
      ...(w.for === undefined ? {} : { forMs: parseDuration(w.for, { field: 'for' }) }),
      ...(w.at === undefined ? {} : { atMinutes: parseClock(w.at)! }),
      ifPassed: w.ifPassed ?? 'next',
      cancelOn,
      ...(w.if === undefined ? {} : { condition: compileCondition(w.if, ['wait', 'if'], env) }),
      ...(w.expireAfter === undefined ? {} : { expireAfterMs: parseDuration(w.expireAfter, { field: 'expireAfter' }) }),
    }
  }
  const item = spec.do.item === undefined ? undefined : compileValue(spec.do.item, ['do', 'item'], env)
  const variables = Object.entries(spec.do.variables ?? {}).map(([name, v]) => [name, compileValue(v, ['do', 'variables', name], env)] as const)
  report(env.problems)
  const rule: CompiledRule = {
    id: spec.id,
    version: spec.version ?? 1,
    index,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    triggers,
    condition: spec.enabled === false ? () => false : condition,
    ...(audience === undefined ? {} : { audience }),
    ...(wait === undefined ? {} : { wait }),
    actions: spec.do.actions ?? [spec.do.action!],
    ...(spec.do.channels === undefined ? {} : { channels: spec.do.channels }),
    ...(spec.do.quietHours === undefined ? {} : { quietHours: spec.do.quietHours }),
    weight: spec.do.weight ?? 1,
    ...(item === undefined ? {} : { item }),
    variables,
    stockLookups: env.stockLookups,
    contextKeys: env.contextKeys,
  }
  return [rule, spec]
}

