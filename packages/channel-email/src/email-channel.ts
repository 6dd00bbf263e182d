import { createHash } from 'node:crypto'
import type { Channel, ChannelCapabilities, Clock, DeliveryResult, IdempotencyLedger, OutboundMessage, Recipient, SendOptions } from '@omotenashi/core'
import type { SendMailOptions, Transporter } from 'nodemailer'
import { signRefToken, signUnsubscribeToken } from './signed-tokens.js'
import { classifySmtpError } from './smtp-errors.js'
import type { EmailTemplates, RenderedEmail } from './templates.js'

/** Prefix of this channel's keys in the send ledger (the hub's dispatcher uses the bare key). */
export const EMAIL_LEDGER_PREFIX = 'email-ledger:'

/** What the channel needs to build List-Unsubscribe headers. */
export interface EmailUnsubscribeSettings {
  /** Public base URL the hub's HTTP server is reached at, e.g. `https://hub.example.jp`. */
  readonly baseUrl: string
  /** Path of the unsubscribe route (the token is appended). */
  readonly path: string
  /** HMAC secret for the tokens. */
  readonly secret: string
  /** A `mailto:` address offered as well (RFC 2369), if any. */
  readonly mailto?: string
  /** Purpose written into the token (`marketing`…); absent: every email. */
  readonly purpose?: string
}

/** Everything {@link EmailChannel} is built from (the module factory fills it in). */
export interface EmailChannelDeps {
  readonly id: string
  readonly transport: Transporter
  /** Close the transport on destroy (true when the channel created it). */
  readonly ownsTransport: boolean
  readonly from: SendMailOptions['from']
  readonly replyTo?: SendMailOptions['replyTo']
  readonly templates?: EmailTemplates
  readonly unsubscribe?: EmailUnsubscribeSettings
  /** Domain for generated Message-IDs. */
  readonly messageIdDomain: string
  /** Headers added to every email. */
  readonly headers?: Readonly<Record<string, string>>
  readonly ledger: IdempotencyLedger
  readonly clock: Clock
  /** A pending ledger claim older than this is considered abandoned. Default 10 minutes. */
  readonly staleClaimMs?: number
}

/** Email-specific content a message may carry under `content.email`. */
export interface EmailContent {
  /** HTML body, when no template is used. */
  readonly html?: string
  /** Subject, when no template is used (defaults to the message's `title`). */
  readonly subject?: string
}

/**
 * The email channel: renders a template (or the message's title and text), adds one-click
 * List-Unsubscribe headers (RFC 8058) and a signed reference for bounces, and hands the email
 * to nodemailer. A send ledger keyed by the idempotency key makes a retried decision mail once;
 * SMTP 5xx is a permanent failure, 4xx and network errors transient.
 */
export class EmailChannel implements Channel {
  readonly id: string
  readonly capabilities: ChannelCapabilities = { addressKind: 'email', rich: true }
  readonly #deps: EmailChannelDeps

  constructor(deps: EmailChannelDeps) {
    this.id = deps.id
    this.#deps = deps
  }

  async send(message: OutboundMessage, recipient: Recipient, options: SendOptions): Promise<DeliveryResult> {
    const address = recipient.identifiers['email']?.[0]
    if (address === undefined) return { status: 'failed', permanent: true, reason: 'the recipient has no email address' }

    let rendered: Omit<RenderedEmail, 'locale'>
    try {
      rendered = this.#render(message, recipient)
    } catch (error) {
      // A missing variable or template is a bug in the rule or action: retrying will not fix it.
      return { status: 'failed', permanent: true, reason: (error as Error).message }
    }

    const { ledger, clock } = this.#deps
    const key = `${EMAIL_LEDGER_PREFIX}${options.idempotencyKey}`
    if (!(await ledger.claim(key, this.#deps.staleClaimMs ?? 600_000))) {
      const previous = await ledger.get(key)
      if (previous?.state === 'done') {
        return previous.result.status === 'failed' ? previous.result : { ...previous.result, status: 'duplicate' }
      }
      return { status: 'failed', permanent: false, reason: 'this email is being sent by another worker' }
    }
    if (options.signal?.aborted) {
      await ledger.release(key)
      return { status: 'failed', permanent: false, reason: 'aborted before sending' }
    }

    const issuedAt = Math.floor(clock.now() / 1000)
    const headers: Record<string, string> = { ...this.#deps.headers }
    const unsubscribe = this.#deps.unsubscribe
    if (unsubscribe) {
      const claims = { customerId: recipient.customerId, issuedAt, actionId: message.actionId, ...(unsubscribe.purpose === undefined ? {} : { purpose: unsubscribe.purpose }) }
      const url = `${unsubscribe.baseUrl.replace(/\/$/, '')}${unsubscribe.path.replace(/\/$/, '')}/${signUnsubscribeToken(unsubscribe.secret, claims)}`
      headers['List-Unsubscribe'] = unsubscribe.mailto ? `<${url}>, <mailto:${unsubscribe.mailto}?subject=unsubscribe>` : `<${url}>`
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
      headers['X-Omotenashi-Ref'] = signRefToken(unsubscribe.secret, { customerId: recipient.customerId, issuedAt, actionId: message.actionId })
    }
    // The Message-ID comes from the key: should a message ever go out twice, receivers see one id.
    const messageId = `<${createHash('sha256').update(options.idempotencyKey).digest('hex').slice(0, 32)}@${this.#deps.messageIdDomain}>`
    const mail: SendMailOptions = {
      from: this.#deps.from,
      to: address,
      subject: rendered.subject,
      messageId,
      headers,
      ...(rendered.text === undefined ? {} : { text: rendered.text }),
      ...(rendered.html === undefined ? {} : { html: rendered.html }),
      ...(this.#deps.replyTo === undefined ? {} : { replyTo: this.#deps.replyTo }),
    }

    let result: DeliveryResult
    try {
      const info = (await this.#deps.transport.sendMail(mail)) as { messageId?: string; rejected?: unknown[] }
      if (Array.isArray(info.rejected) && info.rejected.length > 0) {
        result = { status: 'failed', permanent: true, unreachable: true, reason: 'the server rejected the recipient' }
      } else {
        result = { status: 'sent', providerMessageId: typeof info.messageId === 'string' ? info.messageId : messageId }
      }
    } catch (error) {
      const failure = classifySmtpError(error)
      if (!failure.permanent) {
        await ledger.release(key)
        return { status: 'failed', permanent: false, reason: failure.reason }
      }
      result = { status: 'failed', permanent: true, unreachable: failure.unreachable, reason: failure.reason }
    }
    await ledger.complete(key, result)
    return result
  }

  async destroy(): Promise<void> {
    if (this.#deps.ownsTransport) this.#deps.transport.close()
  }

  #render(message: OutboundMessage, recipient: Recipient): Omit<RenderedEmail, 'locale'> {
    const locale = message.locale ?? recipient.locale
    if (message.template !== undefined) {
      const templates = this.#deps.templates
      if (!templates?.has(message.template)) throw new Error(`no email template "${message.template}"`)
      return templates.render(message.template, message.variables ?? {}, locale)
    }
    const content = (message.content?.['email'] ?? {}) as EmailContent
    const subject = (content.subject ?? message.title)?.replace(/[\r\n]+/g, ' ')
    if (subject === undefined || subject.length === 0) throw new Error('the message has neither a template nor a title (subject)')
    let text = message.text
    if (message.url !== undefined) text = text === undefined ? message.url : `${text}\n\n${message.url}`
    if (text === undefined && content.html === undefined) throw new Error('the message has no text and no html')
    return { subject, ...(text === undefined ? {} : { text }), ...(content.html === undefined ? {} : { html: content.html }) }
  }
}
