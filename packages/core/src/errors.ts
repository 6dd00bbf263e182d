import type * as z from 'zod'

/** Stable error codes. Codes never change meaning once published; new ones may be added. */
export const ErrorCode = {
  Validation: 'E_VALIDATION',
  UnknownEventType: 'E_UNKNOWN_EVENT_TYPE',
  Config: 'E_CONFIG',
  NotFound: 'E_NOT_FOUND',
  Conflict: 'E_CONFLICT',
  Stopped: 'E_STOPPED',
  NotStarted: 'E_NOT_STARTED',
  Stage: 'E_STAGE',
  Channel: 'E_CHANNEL',
  Timeout: 'E_TIMEOUT',
  Unauthorized: 'E_UNAUTHORIZED',
  Forbidden: 'E_FORBIDDEN',
  Policy: 'E_POLICY',
} as const

/** One of the stable {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Base of every error Omotenashi throws on purpose: a stable `code` and optional details. */
export class OmotenashiError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode
  /** Extra structured facts about the failure (never secrets or raw personal data). */
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = options?.details
  }

  /** A JSON-safe view, as the HTTP API returns it. */
  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** One problem found while validating input: where (a dotted path) and why. */
export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `data.items.0.sku`; empty for the whole value. */
  readonly path: string
  /** Human-readable reason. */
  readonly message: string
  /** zod's issue code, or our own (`unknown_type`). */
  readonly code: string
}

/** Input was refused. Lists every problem, not just the first. */
export class ValidationError extends OmotenashiError {
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[]

  constructor(what: string, issues: readonly ValidationIssue[], code: ErrorCode = ErrorCode.Validation) {
    super(code, `${what} is invalid: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, {
      details: { issues },
    })
    this.issues = issues
  }

  /** Builds the error from a zod failure, prefixing every path with `prefix`. */
  static fromZod(what: string, error: z.ZodError, prefix = ''): ValidationError {
    return new ValidationError(what, issuesFromZod(error, prefix))
  }
}

/** Converts zod issues to {@link ValidationIssue}s with dotted paths. */
export function issuesFromZod(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    const tail = issue.path.map(String).join('.')
    const path = prefix && tail ? `${prefix}.${tail}` : prefix || tail
    return { path, message: issue.message, code: issue.code }
  })
}
