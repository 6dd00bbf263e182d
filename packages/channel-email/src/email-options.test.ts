import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { emailChannel } from './email-module.js'

describe('emailChannel options', () => {
  it('names each bad field', () => {
    let error: unknown
    try {
      emailChannel({ from: 'not an address', unsubscribe: { baseUrl: 'ftp://x', secret: 'short' } } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    const paths = (error as ValidationError).issues.map((i) => i.path).sort()
    expect(paths).toEqual(['from', 'smtp', 'unsubscribe.baseUrl', 'unsubscribe.secret'])
  })

  it('refuses both smtp and transport, and a transport without sendMail', () => {
    expect(() => emailChannel({ smtp: 'smtp://127.0.0.1:25', transport: { sendMail: () => undefined } as never, from: 'a@b.jp' })).toThrow(/exactly one/)
    expect(() => emailChannel({ transport: {} as never, from: 'a@b.jp' })).toThrow(/transport.*nodemailer/)
  })

  it('fails at load for a template with an undeclared variable', () => {
    expect(() =>
      emailChannel({ smtp: 'smtp://127.0.0.1:25', from: 'Shop <shop@example.jp>', templates: { t: { locales: { ja: { subject: '{{name}}様', text: 'x' } } } } }),
    ).toThrow(/templates\.t\.locales\.ja\.subject: uses \{\{name\}\}/)
  })
})

describe('emailChannel with a ready-made transport', () => {
  it('sends through it and leaves it open when the hub stops', async () => {
    const { createHub } = await import('@omotenashi/core')
    const nodemailer = (await import('nodemailer')).default
    const { EmailTokens } = await import('./email-tokens.js')
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true })
    let closed = false
    transport.close = () => void (closed = true)
    const hub = await createHub({ modules: [emailChannel({ transport, from: 'shop@example.jp' })] })
    await hub.start()
    const result = await hub.get(EmailTokens.Channel).send({ actionId: 'a', title: 'こんにちは', text: 'x' }, { customerId: 'c', identifiers: { email: ['a@example.jp'] } }, { idempotencyKey: 'k' })
    expect(result.status).toBe('sent')
    expect(result.providerMessageId).toMatch(/@example\.jp>$/)
    await hub.stop()
    expect(closed).toBe(false)
  })
})
