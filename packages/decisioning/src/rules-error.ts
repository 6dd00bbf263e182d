import { ErrorCode, OmotenashiError } from '@omotenashi/core'

/** One problem in a rule file: where (file, line, path inside the document) and why. */
export interface RuleProblem {
  /** The file, when the rules came from one. */
  readonly file?: string
  /** 1-based line in the file, when known. */
  readonly line?: number
  /** Dotted path inside the document, e.g. `rules.0.when.if.data.price.lt`. */
  readonly path: string
  /** Why it is refused. */
  readonly message: string
}

/** Formats a problem as one line: `file:line path: reason`. */
export function formatProblem(p: RuleProblem): string {
  const where = p.file === undefined ? '' : `${p.file}${p.line === undefined ? '' : `:${p.line}`} `
  return `${where}${p.path ? `${p.path}: ` : ''}${p.message}`
}

/** Rules were refused: lists every problem found, never just the first. Nothing of them was applied. */
export class RulesError extends OmotenashiError {
  /** Every problem found. */
  readonly problems: readonly RuleProblem[]

  constructor(problems: readonly RuleProblem[]) {
    super(ErrorCode.Config, `rules refused (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`, {
      details: { problems },
    })
    this.problems = problems
  }
}
