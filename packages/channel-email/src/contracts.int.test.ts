import { EventCatalog, MemoryIdempotencyLedger, SystemClock, type EventDefinition } from '@omotenashi/core'
import { describeChannelContract, describeConnectorContract } from '@omotenashi/core/testing'
import nodemailer from 'nodemailer'
import { EmailChannel } from './email-channel.js'
import { EMAIL_EVENTS } from './email-events.js'
import { EmailFeedback } from './email-feedback.js'
import { signUnsubscribeToken } from './signed-tokens.js'
import { startSmtpSink } from './testing/smtp-sink.js'

// The core contracts, run against a real SMTP server (smtp-server) that refuses one address.

const secret = 'contract-secret-0123456789-0123456789'

describeChannelContract('email (nodemailer → smtp-server)', async () => {
  const sink = await startSmtpSink({ onRecipient: (a) => (a === 'gone@example.jp' ? { code: 550, message: '5.1.1 no such user' } : undefined) })
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true })
  const channel = new EmailChannel({
    id: 'email',
    transport,
    ownsTransport: true,
    from: 'shop@example.jp',
    messageIdDomain: 'example.jp',
    ledger: new MemoryIdempotencyLedger(),
    clock: new SystemClock(),
    unsubscribe: { baseUrl: 'https://hub.example.jp', path: '/email/unsubscribe', secret },
  })
  return {
    channel,
    recipient: { customerId: 'c-1', identifiers: { email: ['taro@example.jp'] } },
    refusedRecipient: { customerId: 'c-2', identifiers: { email: ['gone@example.jp'] } },
    delivered: async () => {
      await new Promise((r) => setTimeout(r, 20))
      return sink.messages.length
    },
    cleanup: async () => {
      await channel.destroy()
      await sink.close()
    },
  }
})

describeConnectorContract('email feedback (unsubscribes)', async () => {
  const feedback = new EmailFeedback({ channel: 'email', secrets: [secret], now: Date.now })
  const catalog = new EventCatalog()
  for (const [type, definition] of Object.entries(EMAIL_EVENTS)) catalog.register(type, definition as EventDefinition)
  return {
    connector: feedback,
    catalog,
    trigger: async () => {
      await feedback.unsubscribe(signUnsubscribeToken(secret, { customerId: 'c-1', issuedAt: Math.floor(Date.now() / 1000) }))
    },
  }
})
