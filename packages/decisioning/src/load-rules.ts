import { readFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { glob } from 'tinyglobby'
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml'
import { mergeRuleBooks, type RuleBook, type RuleBookEntry, type RuleOrigin } from './rule-book.js'
import { compileRuleBook, type CompileOptions } from './rule-set.js'
import { RulesError, type RuleProblem } from './rules-error.js'
import { RULES_FORMAT_VERSION } from './schema.js'

/** Options of {@link loadRules} and {@link parseRules}. */
export interface LoadRulesOptions extends Omit<CompileOptions, 'checkReferences'> {
  /** Directory globs are resolved from. Default `process.cwd()`. */
  readonly cwd?: string
  /**
   * The rest of the catalogue (actions, segments defined elsewhere). When given, references
   * to actions and segments are checked at load too, so one error lists every problem.
   */
  readonly catalogue?: RuleBook
}

const DOCUMENT_KEYS = new Set(['version', 'rules', 'actions', 'segments'])

/**
 * Reads rule files (YAML or JSON; a glob such as `rules/*.yaml`, or a list of files) into a
 * {@link RuleBook}. Every file is parsed and checked before anything is returned: one bad file
 * refuses the whole load with a {@link RulesError} listing every problem with its file, line,
 * path and reason. References to actions and segments are checked when the book is given to
 * `decisioning()` (the catalogue may come from elsewhere).
 *
 * A file holds one rule, a list of rules, a document `{ version, rules, actions, segments }`,
 * or several YAML documents separated by `---`.
 */
export async function loadRules(globOrFiles: string | readonly string[], options: LoadRulesOptions = {}): Promise<RuleBook> {
  const cwd = options.cwd ?? process.cwd()
  const patterns = typeof globOrFiles === 'string' ? [globOrFiles] : [...globOrFiles]
  const files = (await glob(patterns, { cwd, absolute: true, onlyFiles: true })).sort()
  if (files.length === 0) throw new RulesError([{ path: '', message: `no rule files match ${patterns.join(', ')} (from ${cwd})` }])
  const books: RuleBook[] = []
  const problems: RuleProblem[] = []
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    try {
      books.push(parseRules(text, { ...options, file: relative(cwd, resolve(file)) || file }))
    } catch (error) {
      if (error instanceof RulesError) problems.push(...error.problems)
      else throw error
    }
  }
  const book = mergeRuleBooks(...books)
  if (problems.length === 0) {
    try {
      compileRuleBook(options.catalogue ? mergeRuleBooks(options.catalogue, book) : book, { ...options, checkReferences: options.catalogue !== undefined })
    } catch (error) {
      // Only cross-file problems (duplicate ids, references) can appear here: each file passed on its own.
      if (error instanceof RulesError) problems.push(...error.problems)
      else throw error
    }
  }
  if (problems.length > 0) throw new RulesError(problems)
  return book
}

/**
 * Parses one rule file's text (YAML or JSON) into a checked {@link RuleBook}; throws a
 * {@link RulesError} with every problem. `file` names the source in problems.
 */
export function parseRules(text: string, options: LoadRulesOptions & { readonly file?: string } = {}): RuleBook {
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false })
  const file = options.file
  const problems: RuleProblem[] = []
  const at = (p: { path: string; message: string; line?: number | undefined }): RuleProblem => ({
    ...(file === undefined ? {} : { file }),
    ...(p.line === undefined ? {} : { line: p.line }),
    path: p.path,
    message: p.message,
  })
  if (!Array.isArray(docs)) {
    // An empty stream: nothing to load is a mistake worth naming.
    throw new RulesError([at({ path: '', message: 'the file holds no rules' })])
  }
  const rules: RuleBookEntry[] = []
  const actions: RuleBookEntry[] = []
  const segments: Array<RuleBookEntry & { name: string }> = []
  docs.forEach((doc, d) => {
    for (const error of doc.errors) problems.push(at({ line: lineCounter.linePos(error.pos[0]).line, path: '', message: error.message.split('\n')[0]! }))
    if (doc.errors.length > 0) return
    const value: unknown = doc.toJS()
    const lineOf = (path: ReadonlyArray<string | number>): number | undefined => lineFor(doc, lineCounter, path)
    const origin = (path: Array<string | number>): RuleOrigin => ({ ...(file === undefined ? {} : { file }), path: docs.length > 1 ? [`doc${d + 1}`, ...path] : path, lineOf: (p) => lineOf(docs.length > 1 ? p.slice(1) : p) })
    if (value === null || value === undefined) return
    if (Array.isArray(value)) {
      value.forEach((spec, i) => rules.push({ spec, origin: origin([i]) }))
      return
    }
    if (typeof value !== 'object') {
      problems.push(at({ path: '', line: lineOf([]) ?? 1, message: 'expected a rule, a list of rules or a document { version, rules, actions, segments }' }))
      return
    }
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
    if (keys.length > 0 && keys.every((k) => DOCUMENT_KEYS.has(k))) {
      if (record['version'] !== undefined && record['version'] !== RULES_FORMAT_VERSION) {
        problems.push(at({ path: 'version', line: lineOf(['version']), message: `unsupported format version ${JSON.stringify(record['version'])}; this package reads version ${RULES_FORMAT_VERSION}` }))
      }
      for (const key of ['rules', 'actions'] as const) {
        const list = record[key]
        if (list === undefined) continue
        if (!Array.isArray(list)) {
          problems.push(at({ path: key, line: lineOf([key]), message: 'must be a list' }))
          continue
        }
        list.forEach((spec, i) => (key === 'rules' ? rules : actions).push({ spec, origin: origin([key, i]) }))
      }
      const segs = record['segments']
      if (segs !== undefined) {
        if (typeof segs !== 'object' || segs === null || Array.isArray(segs)) problems.push(at({ path: 'segments', line: lineOf(['segments']), message: 'must map names to conditions' }))
        else for (const [name, spec] of Object.entries(segs)) segments.push({ name, spec, origin: origin(['segments', name]) })
      }
      return
    }
    rules.push({ spec: value, origin: origin([]) })
  })
  if (problems.length > 0) throw new RulesError(problems)
  const book: RuleBook = { kind: 'omotenashi.rulebook', rules, actions, segments }
  compileRuleBook(options.catalogue ? mergeRuleBooks(options.catalogue, book) : book, { ...options, checkReferences: options.catalogue !== undefined })
  return book
}

/** The line of the deepest node found along `path` (a missing key points at its parent). */
function lineFor(doc: Document, counter: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  let node: unknown = doc.contents
  let offset = (node as { range?: [number] } | null)?.range?.[0]
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)
      if (!pair) break
      offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key]
      if (!node) break
      offset = (node as { range?: [number] }).range?.[0] ?? offset
    } else break
  }
  return offset === undefined ? undefined : counter.linePos(offset).line
}

