/** How a failed SMTP send should be treated. */
export interface SmtpFailure {
  /** True when retrying cannot help (5xx for this recipient or message). */
  readonly permanent: boolean
  /** True when the recipient address itself is refused (550/551/553), not just this message. */
  readonly unreachable: boolean
  /** A short reason without addresses or other personal data. */
  readonly reason: string
  /** The SMTP reply code, when the server gave one. */
  readonly responseCode?: number
}

const ADDRESS = /<?[^\s<>@]+@[^\s<>@]+>?/g

/** Removes email addresses from a server's reply, which often echoes the recipient. */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, '<address>')
}

/**
 * Classifies a nodemailer error. A 5xx reply is permanent (the address or message is refused
 * for good), except authentication failures (530/535): those are our configuration, not the
 * customer's address, so they stay transient and the event can be re-driven once fixed.
 * 4xx replies, timeouts and connection errors are transient.
 */
export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const text = redactAddresses(String(typeof e.response === 'string' ? e.response : (e.message ?? 'unknown error'))).slice(0, 300)
  if (responseCode !== undefined) {
    const auth = code === 'EAUTH' || responseCode === 530 || responseCode === 535
    const permanent = responseCode >= 500 && responseCode < 600 && !auth
    // 550/551/553: the mailbox is unknown or refused — the address, not this message, is the problem.
    const unreachable = responseCode === 550 || responseCode === 551 || responseCode === 553
    return { permanent, unreachable, responseCode, reason: `smtp ${responseCode}${auth ? ' (authentication)' : ''}: ${text}` }
  }
  return { permanent: false, unreachable: false, reason: `smtp ${code ?? 'error'}: ${text}` }
}
