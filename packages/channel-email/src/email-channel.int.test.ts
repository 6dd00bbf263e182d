import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHub, MemoryIdempotencyLedger, Tokens, type EventInput, type Hub, type HttpRoute, type OmoEvent, type Recipient, type Stage } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { simpleParser, type ParsedMail } from 'mailparser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { emailChannel } from './email-module.js'
import type { EmailChannelOptions } from './email-options.js'
import { EmailTokens } from './email-tokens.js'
import { makeBounceReport, makeComplaintReport } from './testing/dsn-fixtures.js'
import { startSmtpSink, type SmtpReply, type SmtpSink } from './testing/smtp-sink.js'

// Everything here is real: nodemailer talks SMTP to smtp-server on 127.0.0.1, mails are parsed
// with mailparser, and the routes are served by a plain node:http server.

const SECRET = 'unsubscribe-secret-for-tests-0123456789'

const templates: NonNullable<EmailChannelOptions['templates']> = {
  'price-drop': {
    variables: ['name', 'item'],
    locales: {
      ja: { subject: '{{name}}様、ご試着の{{item}}がお値下げになりました', text: '{{name}}様\n{{item}}がお値下げになりました。', html: '<p>{{name}}様</p><p>{{item}}</p>' },
      en: { subject: '{{name}}, the {{item}} you tried on is now cheaper', text: 'Hello {{name}}' },
    },
  },
}

const taro: Recipient = { customerId: 'cust-taro', identifiers: { email: ['taro@example.jp'] }, locale: 'ja-JP' }

/** A header as written on the wire (mailparser folds List-* headers into a structured `list`). */
function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name)?.line
  return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim()
}

/** Serves the hub's HttpRoutes the way @omotenashi/server would: method + path with :params. */
function serveRoutes(routes: () => HttpRoute[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    for (const route of routes()) {
      if (route.method !== req.method) continue
      const pattern = new RegExp(`^${route.path.replace(/:([A-Za-z]+)/g, '(?<$1>[^/]+)')}$`)
      const match = pattern.exec(url.pathname)
      if (match) return void route.handle(req, res, { ...match.groups })
    }
    res.writeHead(404).end()
  })
}

async function call(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('email channel against a real SMTP server', () => {
  let sink: SmtpSink
  let hub: Hub
  let http: Server
  let base: string
  let replies: Map<string, SmtpReply>
  let accepted: OmoEvent[]

  async function makeHub(extra: ContainerModule[] = [], options: Partial<EmailChannelOptions> = {}): Promise<Hub> {
    hub = await createHub({
      modules: [
        emailChannel({
          smtp: { host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true },
          from: 'Omotenashi Shop <shop@example.jp>',
          templates,
          unsubscribe: { baseUrl: base, secret: SECRET, purpose: 'marketing' },
          ...options,
        }),
        ...extra,
      ],
    })
    accepted = []
    hub.hooks.on('event.accepted', (e) => accepted.push(e))
    await hub.start()
    return hub
  }

  beforeEach(async () => {
    replies = new Map()
    sink = await startSmtpSink({ onRecipient: (address) => replies.get(address) })
    http = serveRoutes(() => hub.container.getAll(Tokens.HttpRoute))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  })

  afterEach(async () => {
    await hub?.stop()
    await sink.close()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  })

  it('sends a Japanese template with an RFC 2047 subject and one-click unsubscribe headers', async () => {
    await makeHub()
    const channel = hub.get(EmailTokens.Channel)
    const result = await channel.send({ actionId: 'price-drop', template: 'price-drop', variables: { name: '山田太郎', item: 'ウールコート' } }, taro, { idempotencyKey: 'd-1:email' })
    expect(result.status).toBe('sent')
    const [mail] = await sink.waitFor(1)
    expect(mail!.to).toEqual(['taro@example.jp'])

    const rawHead = mail!.raw.toString('latin1').split(/\r\n\r\n/)[0]!
    // Headers are 7-bit: the Japanese subject travels as RFC 2047 UTF-8 encoded words.
    expect(rawHead).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im)
    expect([...rawHead].every((c) => c.charCodeAt(0) < 128)).toBe(true)

    const parsed = await simpleParser(mail!.raw)
    expect(parsed.subject).toBe('山田太郎様、ご試着のウールコートがお値下げになりました')
    expect(parsed.text).toContain('ウールコートがお値下げになりました。')
    expect(parsed.html).toContain('<p>山田太郎様</p>')
    expect(parsed.from?.text).toContain('shop@example.jp')
    expect(parsed.messageId).toBe(result.providerMessageId)
    expect(rawHeader(parsed, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
    const url = /^<([^>]+)>$/.exec(rawHeader(parsed, 'list-unsubscribe') ?? '')?.[1]
    expect(url).toMatch(new RegExp(`^${base}/email/unsubscribe/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`))
    expect(url).not.toContain('taro')
    expect(rawHeader(parsed, 'x-omotenashi-ref')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  })

  it('records the opt-out end to end: the link in the email, POSTed one-click, becomes consent.changed', async () => {
    await makeHub()
    await hub.get(EmailTokens.Channel).send({ actionId: 'price-drop', template: 'price-drop', variables: { name: 'Ann', item: 'coat' } }, taro, { idempotencyKey: 'd-2:email' })
    const parsed = await simpleParser((await sink.waitFor(1))[0]!.raw)
    const link = /<([^>]+)>/.exec(rawHeader(parsed, 'list-unsubscribe') ?? '')![1]!

    // GET only shows a confirmation page (link scanners must not unsubscribe anyone).
    const page = await call(link, 'GET', link, undefined, { 'accept-language': 'ja,en;q=0.8' })
    expect(page.status).toBe(200)
    expect(page.body).toContain('配信を停止する')
    await hub.drain()
    expect(accepted.filter((e) => e.type === 'consent.changed')).toHaveLength(0)

    // RFC 8058: POST with the body List-Unsubscribe=One-Click, as a mailbox provider sends it.
    const done = await call(link, 'POST', link, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(done.status).toBe(200)
    expect(done.body).toContain('配信を停止しました')
    await hub.drain()
    const consent = accepted.filter((e) => e.type === 'consent.changed')
    expect(consent).toHaveLength(1)
    expect(consent[0]).toMatchObject({ source: 'email', identity: { customerId: 'cust-taro' }, data: { channel: 'email', granted: false, purpose: 'marketing', actionId: 'price-drop' } })

    // A forged token is refused and publishes nothing.
    const [payload] = link.split('/').at(-1)!.split('.')
    const forged = `${base}/email/unsubscribe/${payload}.${'A'.repeat(43)}`
    expect((await call(forged, 'POST', forged, 'List-Unsubscribe=One-Click')).status).toBe(400)
    await hub.drain()
    expect(accepted.filter((e) => e.type === 'consent.changed')).toHaveLength(1)
  })

  it('classifies SMTP 550 as permanent and never retries it into a second email', async () => {
    await makeHub()
    replies.set('taro@example.jp', { code: 550, message: '5.1.1 <taro@example.jp> user unknown' })
    const channel = hub.get(EmailTokens.Channel)
    const message = { actionId: 'a', title: 'こんにちは', text: 'hi' }
    const first = await channel.send(message, taro, { idempotencyKey: 'd-3:email' })
    expect(first).toMatchObject({ status: 'failed', permanent: true })
    expect(first.reason).toContain('550')
    expect(first.reason).not.toContain('taro@example.jp')
    replies.clear()
    const again = await channel.send(message, taro, { idempotencyKey: 'd-3:email' })
    expect(again).toMatchObject({ status: 'failed', permanent: true })
    expect(sink.messages).toHaveLength(0)
  })

  it('classifies SMTP 4xx as transient, and the retry with the same key sends exactly once', async () => {
    await makeHub()
    replies.set('taro@example.jp', { code: 451, message: '4.7.1 greylisted, try again later' })
    const channel = hub.get(EmailTokens.Channel)
    const message = { actionId: 'a', title: 'Hello', text: 'hi' }
    const first = await channel.send(message, taro, { idempotencyKey: 'd-4:email' })
    expect(first).toMatchObject({ status: 'failed', permanent: false })
    expect(first.reason).toContain('451')
    replies.clear()
    expect((await channel.send(message, taro, { idempotencyKey: 'd-4:email' })).status).toBe('sent')
    expect((await channel.send(message, taro, { idempotencyKey: 'd-4:email' })).status).toBe('duplicate')
    await new Promise((r) => setTimeout(r, 100))
    expect(sink.messages).toHaveLength(1)
  })

  it('never mails twice when the hub re-runs a decision after losing its own ledger entry', async () => {
    // A decide stage that plans one email per event, keyed by the event id (as decisioning does).
    const decide: Stage = {
      run(context) {
        if (context.event.type !== 'page.viewed') return
        context.decisions.push({
          id: `dec-${context.event.id}`,
          at: context.event.time,
          customerId: taro.customerId,
          eventId: context.event.id,
          trigger: context.event.type,
          candidates: [],
          actions: [{ actionId: 'price-drop', channels: ['email'], message: { actionId: 'price-drop', template: 'price-drop', variables: { name: 'A', item: 'B' } }, recipient: taro, idempotencyKey: `dec-${context.event.id}` }],
        })
      },
    }
    // The hub's ledger forgets every completed send, as if the process died between the send
    // and the dispatcher recording it: only the channel's own send ledger can stop a second email.
    const forgetful = new MemoryIdempotencyLedger()
    forgetful.complete = async (key) => forgetful.release(key)
    const sendLedger = new MemoryIdempotencyLedger()
    await makeHub([
      new ContainerModule(({ bind }) => {
        bind(Tokens.DecideStage).toConstantValue(decide)
        bind(Tokens.IdempotencyLedger).toConstantValue(forgetful)
        bind(EmailTokens.SendLedger).toConstantValue(sendLedger)
      }),
    ])
    const event: EventInput = { id: 'evt-1', type: 'page.viewed', source: 'web', identity: { customerId: taro.customerId }, data: {} }
    await hub.publish(event)
    await hub.drain()
    expect(await sendLedger.get('email-ledger:dec-evt-1:email')).toMatchObject({ state: 'done' })
    expect(await forgetful.get('dec-evt-1:email')).toBeUndefined()
    const duplicates: string[] = []
    hub.hooks.on('action.sent', (_a, _c, result) => duplicates.push(result.status))
    await hub.publish(event)
    await hub.drain()
    await new Promise((r) => setTimeout(r, 100))
    expect(duplicates).toEqual(['duplicate'])
    expect(sink.messages).toHaveLength(1)
    expect(accepted.filter((e) => e.type === 'message.sent')).toHaveLength(1)
  })

  it('takes bounces and complaints in as events tied to the customer', async () => {
    await makeHub()
    await hub.get(EmailTokens.Channel).send({ actionId: 'price-drop', title: 'Sale', text: 'x' }, taro, { idempotencyKey: 'd-5:email' })
    const [mail] = await sink.waitFor(1)

    const bounce = await call(base, 'POST', '/email/bounces', makeBounceReport({ original: mail!.raw, recipient: 'taro@example.jp', status: '5.1.1' }), { 'content-type': 'message/rfc822' })
    expect(bounce.status).toBe(202)
    await hub.drain()
    expect(accepted.find((e) => e.type === 'email.bounced')).toMatchObject({ identity: { customerId: 'cust-taro' }, data: { severity: 'hard', status: '5.1.1', actionId: 'price-drop' } })
    expect(accepted.find((e) => e.type === 'message.failed')).toMatchObject({ identity: { customerId: 'cust-taro' }, data: { channel: 'email', permanent: true } })

    const complaint = await call(base, 'POST', '/email/bounces', makeComplaintReport({ original: mail!.raw }))
    expect(complaint.status).toBe(202)
    await hub.drain()
    expect(accepted.find((e) => e.type === 'consent.changed')).toMatchObject({ identity: { customerId: 'cust-taro' }, data: { channel: 'email', granted: false } })

    const junk = await call(base, 'POST', '/email/bounces', 'Subject: out of office\r\n\r\nI am away')
    expect(junk.status).toBe(422)
    expect(JSON.parse(junk.body).message).toMatch(/not a delivery status notification/)
  })

  it('fails permanently, without mailing, when a template variable is missing or there is no address', async () => {
    await makeHub()
    const channel = hub.get(EmailTokens.Channel)
    expect(await channel.send({ actionId: 'a', template: 'price-drop', variables: { name: 'A' } }, taro, { idempotencyKey: 'k1' })).toMatchObject({ status: 'failed', permanent: true, reason: expect.stringContaining('"item"') })
    expect(await channel.send({ actionId: 'a', title: 't', text: 'x' }, { customerId: 'c', identifiers: {} }, { idempotencyKey: 'k2' })).toMatchObject({ status: 'failed', permanent: true })
    expect(sink.messages).toHaveLength(0)
  })
})
