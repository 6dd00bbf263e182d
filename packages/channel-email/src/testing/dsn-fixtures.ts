import { randomBytes } from 'node:crypto'

/** Options of {@link makeBounceReport}. */
export interface BounceReportOptions {
  /** The email that bounced, raw (as the SMTP sink received it). Its headers are returned in the report. */
  readonly original: string | Buffer
  /** The address that bounced. */
  readonly recipient: string
  /** Enhanced status code. Default `5.1.1` (no such user). */
  readonly status?: string
  /** RFC 3464 action. Default `failed`. */
  readonly action?: 'failed' | 'delayed'
  /** The remote server's reply. */
  readonly diagnostic?: string
  /** Reporting MTA. Default `mx.example.jp`. */
  readonly reportingMta?: string
}

function headersOf(original: string | Buffer): string {
  const text = typeof original === 'string' ? original : original.toString('utf8')
  const end = /\r?\n\r?\n/.exec(text)
  return (end ? text.slice(0, end.index) : text).replace(/\r?\n/g, '\r\n')
}

/**
 * Builds a delivery status notification (RFC 3464 `multipart/report`) as a receiving MTA would
 * send back for `original`: a human-readable part, the `message/delivery-status` part and the
 * original headers (`text/rfc822-headers`).
 */
export function makeBounceReport(options: BounceReportOptions): string {
  const boundary = `dsn-${randomBytes(8).toString('hex')}`
  const status = options.status ?? '5.1.1'
  const action = options.action ?? 'failed'
  const mta = options.reportingMta ?? 'mx.example.jp'
  return [
    'From: Mail Delivery System <MAILER-DAEMON@example.jp>',
    'To: bounces@example.jp',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system. Your message could not be delivered.',
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${mta}`,
    '',
    `Final-Recipient: rfc822; ${options.recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${options.diagnostic ?? `${status.startsWith('5') ? 550 : 450} ${status} mailbox unavailable`}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headersOf(options.original),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

/** Options of {@link makeComplaintReport}. */
export interface ComplaintReportOptions {
  /** The email complained about, raw. */
  readonly original: string | Buffer
  /** ARF Feedback-Type. Default `abuse`. */
  readonly feedbackType?: string
  /** The complaining address (`Original-Rcpt-To`). */
  readonly recipient?: string
}

/** Builds an abuse report (ARF, RFC 5965) as a mailbox provider's feedback loop sends it. */
export function makeComplaintReport(options: ComplaintReportOptions): string {
  const boundary = `arf-${randomBytes(8).toString('hex')}`
  return [
    'From: Feedback Loop <fbl@isp.example>',
    'To: fbl@example.jp',
    'Subject: FW: complaint',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an email abuse report.',
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${options.feedbackType ?? 'abuse'}`,
    'User-Agent: SomeFBL/1.0',
    'Version: 1',
    ...(options.recipient === undefined ? [] : [`Original-Rcpt-To: ${options.recipient}`]),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headersOf(options.original),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n')
}
