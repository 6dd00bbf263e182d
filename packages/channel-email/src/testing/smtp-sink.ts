import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerAddress } from 'smtp-server'

/** One email the sink accepted. */
export interface SunkEmail {
  /** Envelope sender. */
  readonly from: string | undefined
  /** Envelope recipients. */
  readonly to: readonly string[]
  /** The raw message as received (parse it with mailparser's `simpleParser`). */
  readonly raw: Buffer
}

/** A scripted reply to a recipient: an SMTP code (4xx or 5xx) and its text. */
export interface SmtpReply {
  readonly code: number
  readonly message: string
}

/** Options of {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /**
   * Decides a reply per recipient (RCPT TO) before anything is accepted. Return a 4xx/5xx reply
   * to refuse it, or undefined to accept.
   */
  readonly onRecipient?: (address: string) => SmtpReply | undefined
  /** User and password the sink requires (AUTH PLAIN/LOGIN); default: no authentication. */
  readonly auth?: { readonly user: string; readonly pass: string }
}

/** A running {@link startSmtpSink}. */
export interface SmtpSink {
  /** Port on 127.0.0.1. */
  readonly port: number
  /** `smtp://127.0.0.1:port` (with credentials when auth is set): pass it as the channel's `smtp`. */
  readonly url: string
  /** Every email accepted, in order. */
  readonly messages: SunkEmail[]
  /** Resolves when `count` emails have been accepted (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SunkEmail[]>
  /** Stops the server. */
  close(): Promise<void>
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives: for testing the
 * email channel, or your own templates, end to end without a mail provider. Plain SMTP without
 * STARTTLS, so a transport pointed at it needs `ignoreTLS` or an `smtp://` URL.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SunkEmail[] = []
  const waiters: Array<() => void> = []
  const server = new SMTPServer({
    authOptional: options.auth === undefined,
    disabledCommands: options.auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username })
      callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }))
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const reply = options.onRecipient?.(address.address)
      if (reply) return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) })
        for (const wake of waiters.splice(0)) wake()
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : ''
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < count) {
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`the SMTP sink received ${messages.length} of ${count} emails in ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return messages.slice(0, count)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
