import { parseOptions } from '@omotenashi/core'
import type { Transporter } from 'nodemailer'
import * as z from 'zod'
import type { EmailTemplate } from './templates.js'

const address = z.email('must be an email address')

const fromSchema = z.union([
  z.string().regex(/^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be "shop@example.jp" or "Shop <shop@example.jp>"'),
  z.object({ name: z.string().min(1), address }),
])

/** Options of {@link emailChannel}, as validated. */
export const EmailChannelOptionsSchema = z
  .object({
    /** Channel id. Default `email`. */
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/, 'must be a lower-case name such as "email"').default('email'),
    /** An SMTP URL (`smtps://user:pass@smtp.example.jp`) or nodemailer SMTP options. */
    smtp: z.union([z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'), z.record(z.string(), z.unknown())]).optional(),
    /** A ready-made nodemailer transporter (any transport: SMTP, SES, stream…). */
    transport: z
      .custom<Transporter>((v) => typeof v === 'object' && v !== null && typeof (v as { sendMail?: unknown }).sendMail === 'function', 'must be a nodemailer transporter (an object with sendMail)')
      .optional(),
    /** The sender. */
    from: fromSchema,
    /** Where replies go. */
    replyTo: fromSchema.optional(),
    /** Templates by id (checked when the module is created). */
    templates: z.record(z.string().min(1), z.unknown()).optional(),
    /** Locale used when neither the message nor the customer has one a template offers. Default `ja`. */
    defaultLocale: z.string().min(2).default('ja'),
    /** One-click unsubscribe (RFC 8058) and bounce references. Strongly recommended for marketing email. */
    unsubscribe: z
      .object({
        /** Public base URL the hub's routes are reached at, e.g. `https://hub.example.jp`. */
        baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        /** HMAC secret for unsubscribe links and bounce references (at least 32 characters). */
        secret: z.string().min(32, 'must be at least 32 characters'),
        /** Retired secrets still accepted, so links already mailed keep working after a rotation. */
        previousSecrets: z.array(z.string().min(32, 'must be at least 32 characters')).default([]),
        /** Route path; the token is appended. Default `/email/unsubscribe`. */
        path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as "/email/unsubscribe"').default('/email/unsubscribe'),
        /** Also offer a mailto: unsubscribe address (RFC 2369). */
        mailto: address.optional(),
        /** Purpose the opt-out applies to (`marketing`…). Default: every email from this channel. */
        purpose: z.string().min(1).max(100).optional(),
        /** Links older than this many days are refused. Default: they never expire. */
        maxAgeDays: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** Path of the bounce/complaint ingestion route. Default `/email/bounces`. */
    bouncePath: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as "/email/bounces"').default('/email/bounces'),
    /** Headers added to every email. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.string().regex(/^[^\r\n]*$/, 'must be one line')).optional(),
    /** Domain of generated Message-IDs. Default: the sender's domain. */
    messageIdDomain: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name').optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.smtp === undefined) === (v.transport === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['smtp'], message: 'give exactly one of smtp (URL or options) and transport (a nodemailer transporter)' })
    }
  })

/** Options of {@link emailChannel}. */
export type EmailChannelOptions = Omit<z.input<typeof EmailChannelOptionsSchema>, 'templates'> & {
  /** Templates by id (checked when the module is created: a typo fails at once). */
  readonly templates?: Readonly<Record<string, EmailTemplate>>
}

/** Validates {@link EmailChannelOptions}; throws a `ValidationError` (from `@omotenashi/core`) naming each bad field. */
export function parseEmailChannelOptions(input: EmailChannelOptions): z.output<typeof EmailChannelOptionsSchema> {
  return parseOptions(EmailChannelOptionsSchema, input, 'emailChannel')
}
