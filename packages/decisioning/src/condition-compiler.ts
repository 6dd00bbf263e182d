import { durationProblem, parseDuration, type GeoPoint } from '@omotenashi/core'
import { stockKey, type Facts } from './facts.js'
import { compilePath, type ComputedTraits, type Getter } from './paths.js'

/** A compiled condition: a plain closure over the facts. */
export type Predicate = (facts: Facts) => boolean

/** One problem found while compiling, with its path inside the rule document. */
export interface CompileProblem {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/** A stock lookup a rule needs before its conditions run (the Inventory port is async). */
export interface StockLookup {
  readonly item: Getter
  readonly store: Getter
}

/** What compiling a condition needs and collects. */
export interface CompileEnv {
  readonly computed: ComputedTraits
  /** Known stores and where they are, for `near: { store }`. */
  readonly stores: Readonly<Record<string, GeoPoint>>
  /** Named segments known to the rule set. */
  readonly segmentNames: ReadonlySet<string>
  /** Looks up a compiled segment at run time (segments may be compiled after their users). */
  readonly segment: (name: string) => Predicate | undefined
  readonly problems: CompileProblem[]
  /** Stock lookups of the rule being compiled. */
  stockLookups: StockLookup[]
  /** `context.<name>` keys the rule being compiled reads (for context providers). */
  contextKeys: Set<string>
}

const BUILT_IN_CONTEXT = new Set(['localTime', 'localHour', 'localMinutes', 'dayOfWeek', 'localDate', 'timeZone', 'store', 'placement', 'now'])

const OPERATORS = [
  'eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'in', 'nin', 'exists', 'contains', 'notContains', 'startsWith',
  'endsWith', 'matches', 'hasAny', 'hasAll', 'within', 'olderThan', 'before', 'after', 'near',
] as const
type Operator = (typeof OPERATORS)[number]
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS)

const TRUE: Predicate = () => true
const FALSE: Predicate = () => false

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Compiles a condition tree into one closure, reporting every problem (unknown operator, bad
 * regex, malformed duration, unknown segment…) with its path. Keys are paths (`data.price`),
 * combinators (`all`, `any`, `not`) or special conditions (`segment`, `stock`, `interest`).
 * Several keys in one object must all hold.
 */
export function compileCondition(node: unknown, path: ReadonlyArray<string | number>, env: CompileEnv): Predicate {
  const before = env.problems.length
  const predicate = compileClosure(node, path, env)
  if (typeof node === 'function' || env.problems.length > before) return predicate
  return generate(node, env) ?? predicate
}

/**
 * Compiles a condition into composed closures: the checked form, the fallback of the generated
 * code, and the reference the generated code is tested against.
 */
export function compileConditionClosure(node: unknown, path: ReadonlyArray<string | number>, env: CompileEnv): Predicate {
  return compileClosure(node, path, env)
}

function compileClosure(node: unknown, path: ReadonlyArray<string | number>, env: CompileEnv): Predicate {
  if (typeof node === 'function') return node as Predicate
  if (!isPlainObject(node)) {
    env.problems.push({ path, message: 'a condition must be an object such as { "data.price": { lt: 100 } }' })
    return FALSE
  }
  const parts: Predicate[] = []
  for (const [key, value] of Object.entries(node)) {
    const at = [...path, key]
    parts.push(compileEntry(key, value, at, env))
  }
  return and(parts)
}

function and(parts: Predicate[]): Predicate {
  switch (parts.length) {
    case 0:
      return TRUE
    case 1:
      return parts[0]!
    case 2: {
      const [a, b] = parts as [Predicate, Predicate]
      return (f) => a(f) && b(f)
    }
    case 3: {
      const [a, b, c] = parts as [Predicate, Predicate, Predicate]
      return (f) => a(f) && b(f) && c(f)
    }
    default:
      return (f) => {
        for (let i = 0; i < parts.length; i++) if (!parts[i]!(f)) return false
        return true
      }
  }
}

function or(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0]!
  return (f) => {
    for (let i = 0; i < parts.length; i++) if (parts[i]!(f)) return true
    return false
  }
}

function compileEntry(key: string, value: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  switch (key) {
    case 'all':
    case 'any': {
      if (!Array.isArray(value) || value.length === 0) {
        env.problems.push({ path: at, message: `"${key}" takes a non-empty list of conditions` })
        return FALSE
      }
      const parts = value.map((v, i) => compileClosure(v, [...at, i], env))
      return key === 'all' ? and(parts) : or(parts)
    }
    case 'not': {
      const inner = compileClosure(value, at, env)
      return (f) => !inner(f)
    }
    case 'segment':
      return compileSegment(value, at, env)
    case 'stock':
      return compileStock(value, at, env)
    case 'interest':
      return compileInterest(value, at, env)
    default: {
      const getter = compilePath(key, env.computed)
      if (typeof getter === 'string') {
        env.problems.push({ path: at, message: `unknown condition: ${getter}, or a combinator (all, any, not, segment, stock, interest)` })
        return FALSE
      }
      if (key.startsWith('context.')) {
        const name = key.split('.')[1]!
        if (!BUILT_IN_CONTEXT.has(name)) env.contextKeys.add(name)
      }
      return compileTest(getter, value, at, env)
    }
  }
}

/** Compiles the right-hand side of `path: <literal | { op: operand, … }>`. */
function compileTest(getter: Getter, spec: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  if (!isPlainObject(spec) || isRef(spec)) return compileOperator('eq', getter, spec, at, env)
  const parts: Predicate[] = []
  for (const [op, operand] of Object.entries(spec)) {
    if (!OPERATOR_SET.has(op)) {
      env.problems.push({ path: [...at, op], message: `unknown operator "${op}"; use one of ${OPERATORS.join(', ')}` })
      continue
    }
    parts.push(compileOperator(op as Operator, getter, operand, [...at, op], env))
  }
  if (parts.length === 0 && Object.keys(spec).length === 0) env.problems.push({ path: at, message: 'an empty test; give an operator such as { eq: 1 }' })
  return and(parts)
}

function isRef(value: unknown): value is { ref: string } {
  return isPlainObject(value) && typeof value['ref'] === 'string' && Object.keys(value).length === 1
}

/** Compiles a value: a literal, or `{ ref: path }` read from the facts. */
export function compileValue(value: unknown, at: Array<string | number>, env: CompileEnv): Getter {
  if (isRef(value)) {
    const getter = compilePath(value.ref, env.computed)
    if (typeof getter === 'string') {
      env.problems.push({ path: [...at, 'ref'], message: getter })
      return () => undefined
    }
    return getter
  }
  return () => value
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  if (value instanceof Date) return value.getTime()
  return undefined
}

function comparable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')
}

function compileOperator(op: Operator, get: Getter, operand: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  const problem = (message: string): Predicate => {
    env.problems.push({ path: at, message })
    return FALSE
  }
  switch (op) {
    case 'eq':
    case 'ne': {
      const negate = op === 'ne'
      if (isRef(operand)) {
        const other = compileValue(operand, at, env)
        return negate ? (f) => get(f) !== other(f) : (f) => get(f) === other(f)
      }
      if (isPlainObject(operand)) return problem(`"${op}" compares with a literal or { ref: path }; got an object with keys ${Object.keys(operand).join(', ')} (unknown operators?)`)
      return negate ? (f) => get(f) !== operand : (f) => get(f) === operand
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!isRef(operand) && typeof operand !== 'number' && typeof operand !== 'string') return problem(`"${op}" needs a number, a string or { ref: path }`)
      if (typeof operand === 'number') {
        const c = operand
        if (op === 'lt') return (f) => { const v = get(f); return typeof v === 'number' && v < c }
        if (op === 'lte') return (f) => { const v = get(f); return typeof v === 'number' && v <= c }
        if (op === 'gt') return (f) => { const v = get(f); return typeof v === 'number' && v > c }
        return (f) => { const v = get(f); return typeof v === 'number' && v >= c }
      }
      const other = compileValue(operand, at, env)
      const cmp = op === 'lt' ? (a: number | string, b: number | string) => a < b : op === 'lte' ? (a: number | string, b: number | string) => a <= b : op === 'gt' ? (a: number | string, b: number | string) => a > b : (a: number | string, b: number | string) => a >= b
      return (f) => {
        const a = get(f)
        const b = other(f)
        return comparable(a, b) && cmp(a as number | string, b as number | string)
      }
    }
    case 'between': {
      if (!Array.isArray(operand) || operand.length !== 2 || !comparable(operand[0], operand[1])) {
        return problem('"between" takes [low, high] of two numbers or two strings (e.g. ["18:00", "21:00"])')
      }
      const [lo, hi] = operand as [number | string, number | string]
      // low > high wraps around, which is what a local-time window across midnight means.
      if (lo <= hi) return (f) => { const v = get(f); return comparable(v, lo) && (v as number) >= (lo as number) && (v as number) <= (hi as number) }
      return (f) => { const v = get(f); return comparable(v, lo) && ((v as number) >= (lo as number) || (v as number) <= (hi as number)) }
    }
    case 'in':
    case 'nin': {
      if (!Array.isArray(operand)) return problem(`"${op}" takes a list`)
      const set = new Set<unknown>(operand)
      const test = (v: unknown): boolean => (Array.isArray(v) ? v.some((x) => set.has(x)) : set.has(v))
      return op === 'in' ? (f) => test(get(f)) : (f) => !test(get(f))
    }
    case 'exists': {
      if (typeof operand !== 'boolean') return problem('"exists" takes true or false')
      const present = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)
      return operand ? (f) => present(get(f)) : (f) => !present(get(f))
    }
    case 'contains':
    case 'notContains': {
      const other = compileValue(operand, at, env)
      const test = (v: unknown, o: unknown): boolean =>
        typeof v === 'string' ? typeof o === 'string' && v.includes(o) : Array.isArray(v) ? v.includes(o) : false
      return op === 'contains' ? (f) => test(get(f), other(f)) : (f) => !test(get(f), other(f))
    }
    case 'startsWith':
    case 'endsWith': {
      if (typeof operand !== 'string') return problem(`"${op}" takes a string`)
      return op === 'startsWith'
        ? (f) => { const v = get(f); return typeof v === 'string' && v.startsWith(operand) }
        : (f) => { const v = get(f); return typeof v === 'string' && v.endsWith(operand) }
    }
    case 'matches': {
      if (typeof operand !== 'string') return problem('"matches" takes a regular expression as a string, e.g. "^A-" or "/coat/i"')
      const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(operand)
      let re: RegExp
      try {
        re = literal ? new RegExp(literal[1]!, literal[2]!.replace('g', '')) : new RegExp(operand)
      } catch (error) {
        return problem(`invalid regular expression: ${(error as Error).message}`)
      }
      return (f) => {
        const v = get(f)
        return typeof v === 'string' ? re.test(v) : Array.isArray(v) && v.some((x) => typeof x === 'string' && re.test(x))
      }
    }
    case 'hasAny':
    case 'hasAll': {
      if (!Array.isArray(operand)) return problem(`"${op}" takes a list`)
      const wanted = operand
      return op === 'hasAny'
        ? (f) => { const v = get(f); return Array.isArray(v) && wanted.some((w) => v.includes(w)) }
        : (f) => { const v = get(f); return Array.isArray(v) && wanted.every((w) => v.includes(w)) }
    }
    case 'within':
    case 'olderThan': {
      if (durationProblem(operand) !== undefined) return problem(`"${op}" takes a duration such as "2h" or "30d"`)
      const ms = parseDuration(operand as string | number)
      return op === 'within'
        ? (f) => { const t = toMillis(get(f)); return t !== undefined && t >= f.context.now - ms && t <= f.context.now }
        : (f) => { const t = toMillis(get(f)); return t !== undefined && t < f.context.now - ms }
    }
    case 'before':
    case 'after': {
      if (!isRef(operand) && toMillis(operand) === undefined) return problem(`"${op}" takes an ISO instant or { ref: path }`)
      const other = compileValue(operand, at, env)
      return (f) => {
        const a = toMillis(get(f))
        const b = toMillis(other(f))
        return a !== undefined && b !== undefined && (op === 'before' ? a < b : a > b)
      }
    }
    case 'near':
      return compileNear(get, operand, at, env, problem)
  }
}

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h)))
}

function isPoint(value: unknown): value is GeoPoint {
  return isPlainObject(value) && typeof value['lat'] === 'number' && typeof value['lon'] === 'number'
}

function compileNear(get: Getter, operand: unknown, at: Array<string | number>, env: CompileEnv, problem: (m: string) => Predicate): Predicate {
  if (!isPlainObject(operand)) return problem('"near" takes { lat, lon, m | km } or { store, m | km }')
  const metres = typeof operand['m'] === 'number' ? operand['m'] : typeof operand['km'] === 'number' ? operand['km'] * 1000 : undefined
  if (metres === undefined) return problem('"near" needs a radius: m (metres) or km')
  let centre: GeoPoint | undefined
  if (typeof operand['store'] === 'string') {
    centre = env.stores[operand['store']]
    if (!centre) return problem(`unknown store "${operand['store']}": give its location in the module's "stores" option`)
  } else if (isPoint(operand)) {
    centre = { lat: operand.lat, lon: operand.lon }
  } else {
    return problem('"near" needs a centre: lat and lon, or store')
  }
  const c = centre
  return (f) => {
    const v = get(f)
    return isPoint(v) && distanceMetres(v, c) <= metres
  }
}

function compileSegment(value: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  const names = typeof value === 'string' ? [value] : isPlainObject(value) && Array.isArray(value['in']) ? value['in'] : Array.isArray(value) ? value : undefined
  if (!names || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    env.problems.push({ path: at, message: '"segment" takes a segment name, a list of names, or { in: [names] }' })
    return FALSE
  }
  for (const name of names as string[]) {
    if (!env.segmentNames.has(name)) env.problems.push({ path: at, message: `unknown segment "${name}"` })
  }
  const tests = (names as string[]).map((name) => segmentTest(name, env))
  return or(tests)
}

/** Membership of one segment: its condition (memoised per decision), or a `segments` trait listing it. */
export function segmentTest(name: string, env: Pick<CompileEnv, 'segment'>): Predicate {
  return (f) => {
    const memos = (f.segmentMemo ??= new Map())
    const memo = memos.get(name)
    if (memo !== undefined) return memo
    const listed = f.profile?.traits['segments']?.value
    let member = Array.isArray(listed) && listed.includes(name)
    if (!member) {
      memos.set(name, false) // breaks cycles: a segment defined through itself is not a member
      member = env.segment(name)?.(f) ?? false
    }
    memos.set(name, member)
    return member
  }
}

const COMPARISONS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between'] as const

function compileStock(value: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  if (!isPlainObject(value) || value['item'] === undefined) {
    env.problems.push({ path: at, message: '"stock" takes { item, store?, <comparison on the quantity> }' })
    return FALSE
  }
  const item = compileValue(value['item'], [...at, 'item'], env)
  const store = value['store'] === undefined ? () => undefined : compileValue(value['store'], [...at, 'store'], env)
  env.stockLookups.push({ item, store })
  const tests: Predicate[] = []
  const quantity: Getter = (f) => {
    const sku = item(f)
    const storeId = store(f)
    return typeof sku === 'string' ? f.stock.get(stockKey(sku, typeof storeId === 'string' ? storeId : undefined))?.quantity : undefined
  }
  for (const [key, operand] of Object.entries(value)) {
    if (key === 'item' || key === 'store') continue
    if (!(COMPARISONS as readonly string[]).includes(key)) {
      env.problems.push({ path: [...at, key], message: `"stock" compares the quantity with ${COMPARISONS.join(', ')}` })
      continue
    }
    tests.push(compileOperator(key as Operator, quantity, operand, [...at, key], env))
  }
  if (tests.length === 0) tests.push((f) => ((quantity(f) as number | undefined) ?? 0) > 0)
  return and(tests)
}

const KINDS = new Set(['viewed', 'carted', 'tried_on', 'purchased', 'returned'])

function compileInterest(value: unknown, at: Array<string | number>, env: CompileEnv): Predicate {
  if (!isPlainObject(value) || typeof value['kind'] !== 'string' || !KINDS.has(value['kind'])) {
    env.problems.push({ path: at, message: `"interest" takes { kind: ${[...KINDS].join(' | ')}, item?, within?, unless? }` })
    return FALSE
  }
  const kind = value['kind']
  const unless = value['unless']
  if (unless !== undefined && (typeof unless !== 'string' || !KINDS.has(unless))) {
    env.problems.push({ path: [...at, 'unless'], message: `must be one of ${[...KINDS].join(', ')}` })
  }
  let within: number | undefined
  if (value['within'] !== undefined) {
    within = typeof value['within'] === 'string' && durationProblem(value['within']) === undefined ? parseDuration(value['within']) : undefined
    if (within === undefined) env.problems.push({ path: [...at, 'within'], message: 'must be a duration such as "30d"' })
  }
  const item = value['item'] === undefined ? undefined : compileValue(value['item'], [...at, 'item'], env)
  const holds = (byKind: Readonly<Record<string, string | undefined>> | undefined, now: number): boolean => {
    const t = byKind?.[kind]
    if (t === undefined) return false
    const ms = Date.parse(t)
    if (within !== undefined && ms < now - within) return false
    const u = typeof unless === 'string' ? byKind?.[unless] : undefined
    return u === undefined || Date.parse(u) < ms
  }
  return (f) => {
    const interests = f.profile?.interests
    if (!interests) return false
    if (item) {
      const sku = item(f)
      return typeof sku === 'string' && holds(interests[sku], f.context.now)
    }
    for (const sku in interests) if (holds(interests[sku], f.context.now)) return true
    return false
  }
}

/**
 * Generates one JavaScript function for a checked condition. Closures composed per operator
 * share their code across rules, so V8 sees every property read and call in them as
 * polymorphic; a function generated per condition reads `f.event.data["price"]` at its own,
 * monomorphic sites and runs several times faster. Only simple tests are inlined (keys and
 * literals embedded through JSON.stringify, never raw text); the others call their checked
 * closure through `h[i]`. Returns undefined when nothing could be inlined.
 */
function generate(node: unknown, env: CompileEnv): Predicate | undefined {
  const helpers: unknown[] = []
  const source = conditionSource(node, env, (value) => {
    helpers.push(value)
    return `h[${helpers.length - 1}]`
  })
  if (source.inlined === 0) return undefined
  return new Function('h', `"use strict"; return function condition(f) { let t; return ${source.code}; }`)(helpers) as Predicate
}

/**
 * JavaScript for a checked condition, reading the facts as `f` and using a temporary `t`;
 * values it needs (sets, closures of complex tests) are handed to `helper`, which returns how
 * the code refers to them; `hoist`, when given, names a variable holding a path's value (the
 * caller reads it once). `inlined` counts the tests written out in full.
 */
export function conditionSource(node: unknown, env: CompileEnv, helper: (value: unknown) => string, hoist?: (path: string) => string): { code: string; inlined: number } {
  // A scratch environment: the checked pass already recorded problems, lookups and keys.
  const scratch: CompileEnv = { ...env, problems: [], stockLookups: [], contextKeys: new Set() }
  let inlined = 0
  const closure = (condition: unknown): string => `${helper(compileClosure(condition, [], scratch))}(f)`
  const gen = (n: unknown): string => {
    if (typeof n === 'function') return `${helper(n)}(f)`
    if (!isPlainObject(n)) return 'false'
    const parts: string[] = []
    for (const [key, value] of Object.entries(n)) {
      if (key === 'all' || key === 'any') {
        parts.push(`(${(value as unknown[]).map(gen).join(key === 'all' ? ' && ' : ' || ')})`)
        continue
      }
      if (key === 'not') {
        parts.push(`!(${gen(value)})`)
        continue
      }
      const plain = pathCode(key)
      // Reads of the event and profile may be hoisted (read once per event by the caller);
      // context reads stay in place, since local time is computed only when read.
      const path = plain !== undefined && hoist && !plain.startsWith('f.context') ? hoist(plain) : plain
      if (path === undefined) {
        parts.push(closure({ [key]: value }))
        continue
      }
      const tests = !isPlainObject(value) || isRef(value) ? { eq: value } : value
      for (const [op, operand] of Object.entries(tests)) {
        const code = testCode(op, operand, path, helper)
        if (code === undefined) parts.push(closure({ [key]: { [op]: operand } }))
        else {
          inlined++
          parts.push(code)
        }
      }
    }
    return parts.length === 0 ? 'true' : parts.length === 1 ? parts[0]! : `(${parts.join(' && ')})`
  }
  const code = gen(node)
  return { code, inlined }
}

const IDENTIFIER_ROOTS: Readonly<Record<string, string>> = { data: 'f.event.data', context: 'f.context' }

/** JavaScript for reading a plain path, or undefined when it needs its getter (wildcards, computed sections). */
function pathCode(path: string): string | undefined {
  const parts = path.split('.')
  if (parts.includes('*') || parts.some((p) => p.length === 0)) return undefined
  const [root, ...rest] = parts as [string, ...string[]]
  const tail = (keys: readonly string[]): string => keys.map((k) => `?.[${JSON.stringify(k)}]`).join('')
  if (root in IDENTIFIER_ROOTS) return `${IDENTIFIER_ROOTS[root]}${tail(rest)}`
  if (root === 'event') return rest[0] === 'data' ? `f.event.data${tail(rest.slice(1))}` : `f.event${tail(rest)}`
  if (root === 'profile' && rest[0] === 'traits' && rest[1] !== undefined) return `f.profile?.traits[${JSON.stringify(rest[1])}]?.value${tail(rest.slice(2))}`
  return undefined
}

/** JavaScript for one simple test, or undefined to fall back to its closure. */
function testCode(op: string, operand: unknown, path: string, helper: (value: unknown) => string): string | undefined {
  const literal = typeof operand === 'string' || typeof operand === 'boolean' || (typeof operand === 'number' && Number.isFinite(operand)) || operand === null
  switch (op) {
    case 'eq':
      return literal ? `(${path} === ${JSON.stringify(operand)})` : undefined
    case 'ne':
      return literal ? `(${path} !== ${JSON.stringify(operand)})` : undefined
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (typeof operand !== 'number' || !Number.isFinite(operand)) return undefined
      const sign = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op]
      return `(typeof (t = ${path}) === "number" && t ${sign} ${JSON.stringify(operand)})`
    }
    case 'in':
    case 'nin': {
      if (!Array.isArray(operand)) return undefined
      const set = new Set<unknown>(operand)
      const test = (v: unknown): boolean => (Array.isArray(v) ? v.some((x) => set.has(x)) : set.has(v))
      const primitive = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || v === null
      if (operand.length === 0 || operand.length > 8 || !operand.every(primitive)) return `${op === 'nin' ? '!' : ''}${helper(test)}(${path})`
      // A short list of literals: compared in place (a list value still goes through the set).
      const equal = operand.map((v, i) => `${i === 0 ? `(t = ${path})` : 't'} === ${JSON.stringify(v)}`).join(' || ')
      return `${op === 'nin' ? '!' : ''}(${equal} || (Array.isArray(t) && ${helper(test)}(t)))`
    }
    case 'exists':
      if (typeof operand !== 'boolean') return undefined
      return `${operand ? '' : '!'}((t = ${path}) !== undefined && t !== null && !(Array.isArray(t) && t.length === 0))`
    default:
      return undefined
  }
}
