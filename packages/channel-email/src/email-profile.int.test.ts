import { createHub, Tokens, type Hub, type HttpRoute } from '@omotenashi/core'
import { profiles, ProfileTokens } from '@omotenashi/profile'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { emailChannel } from './email-module.js'
import { EmailTokens } from './email-tokens.js'
import { makeBounceReport } from './testing/dsn-fixtures.js'
import { startSmtpSink, type SmtpSink } from './testing/smtp-sink.js'

// With the real profiles() module: the one-click unsubscribe lands as withdrawn consent on the
// profile, and a hard bounce marks email unreachable.

function serve(routes: () => HttpRoute[]): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    for (const r of routes()) {
      const m = new RegExp(`^${r.path.replace(/:([A-Za-z]+)/g, '(?<$1>[^/]+)')}$`).exec(path)
      if (r.method === req.method && m) return void r.handle(req, res, { ...m.groups })
    }
    res.writeHead(404).end()
  })
}

describe('email feedback on the profile', () => {
  let sink: SmtpSink
  let hub: Hub
  let http: Server
  let base: string

  beforeEach(async () => {
    sink = await startSmtpSink()
    http = serve(() => hub.container.getAll(Tokens.HttpRoute))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    hub = await createHub({
      modules: [
        profiles(),
        emailChannel({ smtp: sink.url, from: 'shop@example.jp', unsubscribe: { baseUrl: base, secret: 's'.repeat(40), purpose: 'marketing' } }),
      ],
    })
    await hub.start()
  })

  afterEach(async () => {
    await hub.stop()
    await sink.close()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  })

  it('withdraws marketing consent on unsubscribe and marks email unreachable on a hard bounce', async () => {
    await hub.publish({ type: 'consent.changed', source: 'web', identity: { customerId: 'jiro', email: 'jiro@example.jp' }, data: { channel: 'email', purpose: 'marketing', granted: true } })
    await hub.drain()
    const store = hub.get(ProfileTokens.ProfileStore)
    expect((await store.get('jiro'))?.consent['email']?.['marketing']?.granted).toBe(true)

    await hub.get(EmailTokens.Channel).send({ actionId: 'news', title: 'お知らせ', text: '…' }, { customerId: 'jiro', identifiers: { email: ['jiro@example.jp'] } }, { idempotencyKey: 'n-1:email' })
    const [mail] = await sink.waitFor(1)
    const parsed = await simpleParser(mail!.raw)
    const line = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line
    const link = /<([^>]+)>/.exec(line)![1]!
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })
    expect(res.status).toBe(200)
    await hub.drain()
    expect((await store.get('jiro'))?.consent['email']?.['marketing']).toMatchObject({ granted: false, source: 'email' })

    const bounce = await fetch(`${base}/email/bounces`, { method: 'POST', body: makeBounceReport({ original: mail!.raw, recipient: 'jiro@example.jp' }) })
    expect(bounce.status).toBe(202)
    await hub.drain()
    expect((await store.get('jiro'))?.reachability['email']).toMatchObject({ reachable: false })
  })
})
