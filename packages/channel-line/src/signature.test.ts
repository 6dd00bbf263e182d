import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signLineBody, verifyLineSignature } from './signature.js'

describe('LINE signatures', () => {
  const body = Buffer.from('{"destination":"U1","events":[]}')
  it('accepts base64(HMAC-SHA256(body, secret)) and nothing else', () => {
    const good = createHmac('sha256', 'secret').update(body).digest('base64')
    expect(signLineBody(body, 'secret')).toBe(good)
    expect(verifyLineSignature(body, good, 'secret')).toBe(true)
    expect(verifyLineSignature(body, good, 'other-secret')).toBe(false)
    expect(verifyLineSignature(Buffer.from(body.toString() + ' '), good, 'secret')).toBe(false)
    expect(verifyLineSignature(body, undefined, 'secret')).toBe(false)
    expect(verifyLineSignature(body, 'c2hvcnQ=', 'secret')).toBe(false)
  })
})
