import { flatten, header, parseFieldGroups, parseHeaderBlock, parseMime, type HeaderMap, type MimeEntity } from './mime-lite.js'

/** One recipient's line of a delivery status notification. */
export interface BouncedRecipient {
  /** The address that bounced (from `Final-Recipient`). */
  readonly address?: string
  /** `failed`, `delayed`, `delivered`, `relayed` or `expanded`. */
  readonly action: string
  /** Enhanced status code such as `5.1.1`. */
  readonly status?: string
  /** The remote server's diagnostic, e.g. `smtp; 550 5.1.1 user unknown`. */
  readonly diagnostic?: string
  /** `hard`: retrying cannot help. `soft`: temporary. */
  readonly severity: 'hard' | 'soft'
}

/** What a bounce or complaint message says, once parsed. */
export type FeedbackReport =
  | {
      readonly kind: 'bounce'
      readonly recipients: readonly BouncedRecipient[]
      /** Headers of the original message, when the report returned them. */
      readonly original?: HeaderMap
    }
  | {
      readonly kind: 'complaint'
      /** The ARF Feedback-Type (`abuse`, `fraud`…). */
      readonly feedbackType: string
      /** The address that complained, when given. */
      readonly address?: string
      readonly original?: HeaderMap
    }
  | { readonly kind: 'unknown'; readonly reason: string }

function stripType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  // "rfc822; user@example.jp" → "user@example.jp"
  const semi = value.indexOf(';')
  return (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, '') || undefined
}

function originalHeaders(entities: readonly MimeEntity[]): HeaderMap | undefined {
  const part = entities.find((e) => e.contentType === 'text/rfc822-headers' || e.contentType === 'message/rfc822')
  if (!part) return undefined
  if (part.contentType === 'message/rfc822' && part.parts.length === 0) {
    return parseMime(part.body).headers
  }
  return parseHeaderBlock(part.body.split(/\r?\n\r?\n/)[0] ?? '')
}

/**
 * Reads a delivery status notification (RFC 3464, `multipart/report;
 * report-type=delivery-status`) or an abuse report (ARF, RFC 5965, `report-type=feedback-report`).
 * Anything else is `unknown` with the reason.
 */
export function parseFeedbackReport(raw: string | Buffer): FeedbackReport {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8')
  if (text.trim().length === 0) return { kind: 'unknown', reason: 'the message is empty' }
  const root = parseMime(text)
  const entities = flatten(root)
  const original = originalHeaders(entities)

  const status = entities.find((e) => e.contentType === 'message/delivery-status' || e.contentType === 'message/global-delivery-status')
  if (status) {
    const groups = parseFieldGroups(status.body)
    const recipients: BouncedRecipient[] = []
    for (const group of groups) {
      const action = header(group, 'action')?.toLowerCase()
      if (action === undefined) continue
      const code = /\d\.\d{1,3}\.\d{1,3}/.exec(header(group, 'status') ?? '')?.[0]
      const address = stripType(header(group, 'final-recipient') ?? header(group, 'original-recipient'))
      const diagnostic = header(group, 'diagnostic-code')
      // RFC 3464: a "failed" action with a 5.x.x status is permanent; 4.x.x or "delayed" is not.
      const severity: 'hard' | 'soft' = action === 'failed' && (code === undefined || code.startsWith('5')) ? 'hard' : 'soft'
      recipients.push({
        action,
        severity,
        ...(address === undefined ? {} : { address }),
        ...(code === undefined ? {} : { status: code }),
        ...(diagnostic === undefined ? {} : { diagnostic }),
      })
    }
    if (recipients.length === 0) return { kind: 'unknown', reason: 'the delivery-status part names no recipient action' }
    return { kind: 'bounce', recipients, ...(original === undefined ? {} : { original }) }
  }

  const feedback = entities.find((e) => e.contentType === 'message/feedback-report')
  if (feedback) {
    const fields = parseFieldGroups(feedback.body)[0]
    const feedbackType = (fields && header(fields, 'feedback-type'))?.toLowerCase() ?? 'abuse'
    const address = fields && stripType(header(fields, 'original-rcpt-to'))
    return { kind: 'complaint', feedbackType, ...(address === undefined ? {} : { address }), ...(original === undefined ? {} : { original }) }
  }
  return { kind: 'unknown', reason: 'not a delivery status notification (RFC 3464) nor a feedback report (RFC 5965)' }
}
