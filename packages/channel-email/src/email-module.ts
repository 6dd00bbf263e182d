import { provideDefault, provideEvents, Tokens } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import nodemailer, { type Transporter } from 'nodemailer'
import { EmailChannel } from './email-channel.js'
import { EMAIL_EVENTS } from './email-events.js'
import { EmailFeedback } from './email-feedback.js'
import { parseEmailChannelOptions, type EmailChannelOptions } from './email-options.js'
import { bounceRoute, unsubscribeRoutes } from './email-routes.js'
import { EmailTokens } from './email-tokens.js'
import { loadEmailTemplates } from './templates.js'

function senderDomain(from: string | { address: string }): string {
  const text = typeof from === 'string' ? from : from.address
  return /@([^\s<>@]+)>?\s*$/.exec(text)?.[1] ?? 'omotenashi.invalid'
}

/**
 * The email channel as a hub module: binds the `email` channel, the feedback connector
 * (unsubscribes, bounces, complaints), the unsubscribe and bounce HTTP routes, and the
 * `email.bounced` / `email.complained` event types. Options and templates are checked here,
 * so a bad option or a template with an undeclared variable fails at start-up, not at send.
 *
 * @example
 * ```ts
 * emailChannel({
 *   smtp: process.env.SMTP_URL,
 *   from: 'Shop <shop@example.jp>',
 *   templates: { welcome: { variables: ['name'], locales: { ja: { subject: '{{name}}様、ようこそ', text: '…' } } } },
 *   unsubscribe: { baseUrl: 'https://hub.example.jp', secret: process.env.UNSUBSCRIBE_SECRET },
 * })
 * ```
 */
export function emailChannel(input: EmailChannelOptions): ContainerModule {
  const options = parseEmailChannelOptions(input)
  const templates = options.templates === undefined ? undefined : loadEmailTemplates(options.templates as EmailChannelOptions['templates'] & object, options.defaultLocale)
  const secrets = options.unsubscribe ? [options.unsubscribe.secret, ...options.unsubscribe.previousSecrets] : []

  return new ContainerModule((m) => {
    provideDefault(m, EmailTokens.SendLedger, (ctx) => ctx.get(Tokens.IdempotencyLedger))
    m.bind(EmailTokens.Channel)
      .toDynamicValue((ctx) => {
        const ownsTransport = options.transport === undefined
        const transport: Transporter = options.transport ?? nodemailer.createTransport(options.smtp as Parameters<typeof nodemailer.createTransport>[0])
        const u = options.unsubscribe
        return new EmailChannel({
          id: options.id,
          transport,
          ownsTransport,
          from: options.from,
          ledger: ctx.get(EmailTokens.SendLedger),
          clock: ctx.get(Tokens.Clock),
          messageIdDomain: options.messageIdDomain ?? senderDomain(options.from),
          ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
          ...(templates === undefined ? {} : { templates }),
          ...(options.headers === undefined ? {} : { headers: options.headers }),
          ...(u === undefined
            ? {}
            : {
                unsubscribe: {
                  baseUrl: u.baseUrl,
                  path: u.path,
                  secret: u.secret,
                  ...(u.mailto === undefined ? {} : { mailto: u.mailto }),
                  ...(u.purpose === undefined ? {} : { purpose: u.purpose }),
                },
              }),
        })
      })
      .inSingletonScope()
    m.bind(Tokens.Channel).toDynamicValue((ctx) => ctx.get(EmailTokens.Channel))

    m.bind(EmailTokens.Feedback)
      .toDynamicValue((ctx) => {
        const clock = ctx.get(Tokens.Clock)
        const maxAgeDays = options.unsubscribe?.maxAgeDays
        return new EmailFeedback({
          channel: options.id,
          secrets,
          now: () => clock.now(),
          ...(maxAgeDays === undefined ? {} : { maxAgeSeconds: Math.round(maxAgeDays * 86_400) }),
        })
      })
      .inSingletonScope()
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(EmailTokens.Feedback))

    const u = options.unsubscribe
    if (u) {
      // Each route reaches the feedback connector through the container, so they share one.
      m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => unsubscribeRoutes(u.path, ctx.get(EmailTokens.Feedback))[0]!)
      m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => unsubscribeRoutes(u.path, ctx.get(EmailTokens.Feedback))[1]!)
      m.bind(Tokens.HttpRoute).toDynamicValue((ctx) => bounceRoute(options.bouncePath, ctx.get(EmailTokens.Feedback)))
    }
    provideEvents(m, EMAIL_EVENTS)
  })
}
