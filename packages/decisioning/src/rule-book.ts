/** Where one item of a rule book came from, so problems can name the file, line and path. */
export interface RuleOrigin {
  /** The file it was read from. */
  readonly file?: string
  /** Its path inside that file's document (e.g. `['rules', 2]`). */
  readonly path: ReadonlyArray<string | number>
  /** Maps a path inside the file's document to a 1-based line. */
  readonly lineOf?: (path: ReadonlyArray<string | number>) => number | undefined
}

/** One rule, action or segment as written, with its origin. */
export interface RuleBookEntry {
  readonly spec: unknown
  readonly origin: RuleOrigin
}

/**
 * Rules, actions and segments as loaded and checked, not yet bound to a hub: what
 * {@link loadRules} returns and `decisioning({ rules })` takes. Plain data, so it can be
 * reloaded, diffed and tested.
 */
export interface RuleBook {
  readonly kind: 'omotenashi.rulebook'
  readonly rules: readonly RuleBookEntry[]
  readonly actions: readonly RuleBookEntry[]
  readonly segments: ReadonlyArray<RuleBookEntry & { readonly name: string }>
}

/** Whether `value` is a {@link RuleBook}. */
export function isRuleBook(value: unknown): value is RuleBook {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'omotenashi.rulebook'
}

/** A rule book from plain objects (TypeScript rules, builder output), origins named by index. */
export function ruleBook(parts: { rules?: readonly unknown[]; actions?: readonly unknown[]; segments?: Readonly<Record<string, unknown>> }): RuleBook {
  return {
    kind: 'omotenashi.rulebook',
    rules: (parts.rules ?? []).map((spec, i) => ({ spec, origin: { path: ['rules', i] } })),
    actions: (parts.actions ?? []).map((spec, i) => ({ spec, origin: { path: ['actions', i] } })),
    segments: Object.entries(parts.segments ?? {}).map(([name, spec]) => ({ name, spec, origin: { path: ['segments', name] } })),
  }
}

/** Joins rule books (later files after earlier ones). */
export function mergeRuleBooks(...books: readonly RuleBook[]): RuleBook {
  return {
    kind: 'omotenashi.rulebook',
    rules: books.flatMap((b) => b.rules),
    actions: books.flatMap((b) => b.actions),
    segments: books.flatMap((b) => b.segments),
  }
}
