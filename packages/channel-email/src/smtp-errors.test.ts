import { describe, expect, it } from 'vitest'
import { classifySmtpError } from './smtp-errors.js'

describe('classifySmtpError', () => {
  it('treats 5xx as permanent and hides the address', () => {
    const r = classifySmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <taro@example.jp>: user unknown' })
    expect(r.permanent).toBe(true)
    expect(r.reason).toContain('550')
    expect(r.reason).not.toContain('taro@example.jp')
  })

  it('treats 4xx, timeouts and connection errors as transient', () => {
    expect(classifySmtpError({ responseCode: 451, response: '451 try later' }).permanent).toBe(false)
    expect(classifySmtpError({ code: 'ETIMEDOUT', message: 'timeout' }).permanent).toBe(false)
    expect(classifySmtpError(new Error('ECONNREFUSED')).permanent).toBe(false)
  })

  it('keeps authentication failures transient: they are configuration, not the address', () => {
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, response: '535 auth failed' }).permanent).toBe(false)
  })
})
