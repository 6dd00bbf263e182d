import * as z from 'zod'
import { LineMessageSchema, QuickReplyButtonSchema, type LineMessage, type QuickReplyButton } from './line-message.js'

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g

/** One locale of a template: plain text (shorthand) or LINE message objects, plus quick replies. */
export const TemplateLocaleSchema = z
  .object({
    text: z.string().min(1).max(5000).optional(),
    messages: z.array(LineMessageSchema).min(1).max(5).optional(),
    quickReplies: z.array(QuickReplyButtonSchema).min(1).max(13).optional(),
  })
  .refine((v) => (v.text === undefined) !== (v.messages === undefined), { message: 'give exactly one of "text" or "messages"' })

/**
 * A message template: its variables and one body per locale. Any string inside may hold
 * `{{variable}}` placeholders.
 */
export const TemplateSchema = z.object({
  /** Every variable the template uses; each locale must use exactly these. */
  variables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)).default([]),
  /** Bodies by locale (`ja`, `en`…). */
  locales: z.record(z.string().min(2).max(10), TemplateLocaleSchema).refine((r) => Object.keys(r).length > 0, { message: 'needs at least one locale' }),
})

/** A message template as written. */
export type TemplateInput = z.input<typeof TemplateSchema>

/** Raised when templates are loaded with a problem; lists every problem found. */
export class TemplateError extends Error {
  /** Each problem, as `templateId.locale: reason`. */
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(`invalid LINE templates: ${problems.join('; ')}`)
    this.name = 'TemplateError'
    this.problems = problems
  }
}

interface CompiledLocale {
  readonly messages: readonly LineMessage[]
  readonly quickReplies: readonly QuickReplyButton[] | undefined
}

interface CompiledTemplate {
  readonly variables: readonly string[]
  readonly locales: ReadonlyMap<string, CompiledLocale>
}

function placeholdersIn(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) found.add(m[1]!)
  else if (Array.isArray(value)) for (const v of value) placeholdersIn(v, found)
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) placeholdersIn(v, found)
}

function substitute<T>(value: T, vars: Readonly<Record<string, string>>): T {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_m, name: string) => vars[name] ?? '') as T
  if (Array.isArray(value)) return value.map((v: unknown) => substitute(v, vars)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T
  }
  return value
}

function lookup(variables: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = variables
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/** Normalises `ja-JP` to `ja`. */
export function baseLocale(locale: string): string {
  return locale.toLowerCase().split(/[-_]/)[0]!
}

/**
 * A set of templates, checked when loaded: each parses, each locale uses exactly the declared
 * variables (a placeholder nobody declared, or a declared variable a locale forgot, fails here
 * rather than at send time), and the required locales are present.
 */
export class TemplateSet {
  readonly #templates = new Map<string, CompiledTemplate>()
  readonly #defaultLocale: string

  /**
   * @param templates - templates by id (shaped as {@link TemplateInput}; parsed here, so JSON or YAML input is fine).
   * @param options.requiredLocales - locales every template must have (default none).
   * @param options.defaultLocale - used when the wanted locale is missing (default `ja`).
   * @throws TemplateError listing every problem.
   */
  constructor(templates: Readonly<Record<string, TemplateInput | Readonly<Record<string, unknown>>>>, options: { requiredLocales?: readonly string[]; defaultLocale?: string } = {}) {
    this.#defaultLocale = options.defaultLocale ?? 'ja'
    const problems: string[] = []
    for (const [id, input] of Object.entries(templates)) {
      const parsed = TemplateSchema.safeParse(input)
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(`${[id, ...issue.path.map(String)].join('.')}: ${issue.message}`)
        continue
      }
      const declared = new Set(parsed.data.variables)
      const locales = new Map<string, CompiledLocale>()
      for (const [locale, body] of Object.entries(parsed.data.locales)) {
        const used = new Set<string>()
        placeholdersIn(body, used)
        for (const name of used) if (!declared.has(name)) problems.push(`${id}.${locale}: uses {{${name}}}, which is not in "variables"`)
        for (const name of declared) if (!used.has(name)) problems.push(`${id}.${locale}: is missing the variable {{${name}}}`)
        const messages: LineMessage[] = body.messages ?? [{ type: 'text', text: body.text! }]
        locales.set(baseLocale(locale), { messages, quickReplies: body.quickReplies })
      }
      for (const locale of options.requiredLocales ?? []) {
        if (!locales.has(baseLocale(locale))) problems.push(`${id}: has no "${locale}" locale`)
      }
      if (!locales.has(baseLocale(this.#defaultLocale))) problems.push(`${id}: has no "${this.#defaultLocale}" (default) locale`)
      this.#templates.set(id, { variables: [...declared], locales })
    }
    if (problems.length > 0) throw new TemplateError(problems)
  }

  /** Whether a template exists. */
  has(id: string): boolean {
    return this.#templates.has(id)
  }

  /** Template ids. */
  ids(): string[] {
    return [...this.#templates.keys()]
  }

  /**
   * Renders a template in a locale (falling back to the default locale). Returns the problem
   * instead of throwing when the template is unknown or a variable has no value.
   */
  render(
    id: string,
    locale: string | undefined,
    variables: Readonly<Record<string, unknown>> = {},
  ): { ok: true; messages: LineMessage[]; quickReplies: readonly QuickReplyButton[] | undefined } | { ok: false; reason: string } {
    const template = this.#templates.get(id)
    if (!template) return { ok: false, reason: `no LINE template "${id}"` }
    const body = template.locales.get(baseLocale(locale ?? this.#defaultLocale)) ?? template.locales.get(baseLocale(this.#defaultLocale))!
    const values: Record<string, string> = {}
    const missing: string[] = []
    for (const name of template.variables) {
      const value = lookup(variables, name)
      if (value === undefined || value === null) missing.push(name)
      else values[name] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value as number | boolean)
    }
    if (missing.length > 0) return { ok: false, reason: `template "${id}" needs values for: ${missing.join(', ')}` }
    return { ok: true, messages: substitute([...body.messages], values), quickReplies: body.quickReplies === undefined ? undefined : substitute([...body.quickReplies], values) }
  }
}
