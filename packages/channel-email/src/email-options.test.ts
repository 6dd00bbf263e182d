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
