import { ErrorCode, OmotenashiError, ValidationError, type ValidationIssue } from '@omotenashi/core'
import * as z from 'zod'

/** One locale's version of an email: a subject and at least one of HTML and text. */
export const LocalizedEmailSchema = z
  .object({
    subject: z.string().min(1, 'must not be empty').max(998, 'must fit one header line (998 characters)'),
    html: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
  })
  .strict()
  .refine((v) => v.html !== undefined || v.text !== undefined, { message: 'needs html or text (or both)' })

/** One locale's version of an email. */
export type LocalizedEmail = z.infer<typeof LocalizedEmailSchema>

/**
 * An email template: the variables it takes and its text per locale (`ja`, `en`, `ja-JP`…).
 * Every `{{name}}` used in a locale must be declared in `variables`, so a typo fails when the
 * templates are loaded, not when a customer is mailed.
 */
export const EmailTemplateSchema = z
  .object({
    variables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'must be a name such as "firstName" or "item.name"')).default([]),
    locales: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag such as "ja" or "en-US"'), LocalizedEmailSchema),
  })
  .strict()
  .refine((v) => Object.keys(v.locales).length > 0, { message: 'needs at least one locale', path: ['locales'] })

/** An email template. See {@link EmailTemplateSchema}. */
export type EmailTemplate = z.input<typeof EmailTemplateSchema>

/** A rendered email, ready for the transport. */
export interface RenderedEmail {
  readonly subject: string
  readonly html?: string
  readonly text?: string
  /** The locale actually used. */
  readonly locale: string
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

function lookup(variables: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = variables
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function stringify(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/**
 * A checked set of email templates. Build it with {@link loadEmailTemplates} (the channel does
 * so with its `templates` option); rendering picks the best locale and escapes variables in HTML.
 */
export class EmailTemplates {
  readonly #templates: ReadonlyMap<string, z.output<typeof EmailTemplateSchema>>
  readonly #defaultLocale: string

  /** @internal use {@link loadEmailTemplates}. */
  constructor(templates: ReadonlyMap<string, z.output<typeof EmailTemplateSchema>>, defaultLocale: string) {
    this.#templates = templates
    this.#defaultLocale = defaultLocale
  }

  /** Template ids. */
  ids(): string[] {
    return [...this.#templates.keys()]
  }

  /** Whether `id` exists. */
  has(id: string): boolean {
    return this.#templates.has(id)
  }

  /** The locales a template has. */
  locales(id: string): string[] {
    return Object.keys(this.#templates.get(id)?.locales ?? {})
  }

  /**
   * Renders template `id` in the best locale for `locale` (exact tag, then its language, then the
   * default locale, then the template's first locale). Throws an {@link OmotenashiError}
   * (`E_VALIDATION`) naming the variable when one is missing.
   */
  render(id: string, variables: Readonly<Record<string, unknown>>, locale?: string): RenderedEmail {
    const template = this.#templates.get(id)
    if (!template) throw new OmotenashiError(ErrorCode.NotFound, `no email template "${id}"`)
    const missing = template.variables.filter((name) => {
      const value = lookup(variables, name)
      return value === undefined || value === null
    })
    if (missing.length > 0) {
      throw new OmotenashiError(ErrorCode.Validation, `email template "${id}" needs ${missing.map((m) => `"${m}"`).join(', ')}`, {
        details: { template: id, missing },
      })
    }
    const chosen = this.#pickLocale(Object.keys(template.locales), locale)
    const body = template.locales[chosen]!
    const fill = (text: string, escape: boolean): string =>
      text.replace(PLACEHOLDER, (_, name: string) => {
        const value = stringify(lookup(variables, name))
        return escape ? escapeHtml(value) : value
      })
    // A subject is one header line: a newline in a variable must not start a new header.
    const subject = fill(body.subject, false).replace(/[\r\n]+/g, ' ')
    return {
      subject,
      locale: chosen,
      ...(body.html === undefined ? {} : { html: fill(body.html, true) }),
      ...(body.text === undefined ? {} : { text: fill(body.text, false) }),
    }
  }

  #pickLocale(available: readonly string[], wanted: string | undefined): string {
    const lower = available.map((l) => l.toLowerCase())
    for (const candidate of [wanted, wanted?.split('-')[0], this.#defaultLocale, this.#defaultLocale.split('-')[0]]) {
      if (candidate === undefined) continue
      const i = lower.indexOf(candidate.toLowerCase())
      if (i >= 0) return available[i]!
    }
    return available[0]!
  }
}

/**
 * Checks and loads a set of templates keyed by id. Every problem is reported at once, each
 * with its path (`templates.welcome.locales.ja.subject`): a placeholder that names an undeclared
 * variable, an empty subject, a locale with neither HTML nor text.
 */
export function loadEmailTemplates(input: Readonly<Record<string, EmailTemplate>>, defaultLocale = 'ja'): EmailTemplates {
  const issues: ValidationIssue[] = []
  const loaded = new Map<string, z.output<typeof EmailTemplateSchema>>()
  for (const [id, raw] of Object.entries(input)) {
    const parsed = EmailTemplateSchema.safeParse(raw)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({ path: ['templates', id, ...issue.path.map(String)].join('.'), message: issue.message, code: issue.code })
      }
      continue
    }
    const declared = new Set(parsed.data.variables)
    for (const [locale, body] of Object.entries(parsed.data.locales)) {
      for (const part of ['subject', 'html', 'text'] as const) {
        const text = body[part]
        if (text === undefined) continue
        for (const match of text.matchAll(PLACEHOLDER)) {
          const name = match[1]!
          if (!declared.has(name)) {
            issues.push({
              path: `templates.${id}.locales.${locale}.${part}`,
              message: `uses {{${name}}}, which is not in the template's variables`,
              code: 'undeclared_variable',
            })
          }
        }
        // A "{{" that is not a well-formed placeholder is almost always a typo.
        const stray = text.replace(PLACEHOLDER, '')
        if (stray.includes('{{') || stray.includes('}}')) {
          issues.push({ path: `templates.${id}.locales.${locale}.${part}`, message: 'has an unbalanced "{{" or "}}"', code: 'bad_placeholder' })
        }
      }
    }
    loaded.set(id, parsed.data)
  }
  if (issues.length > 0) throw new ValidationError('email templates', issues, ErrorCode.Config)
  return new EmailTemplates(loaded, defaultLocale)
}
