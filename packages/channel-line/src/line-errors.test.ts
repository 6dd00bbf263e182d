import { describe, expect, it } from 'vitest'
import { classifyLineError, LineTimeoutError } from './line-errors.js'

const http = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers: new Headers(headers) })

describe('classifyLineError', () => {
  it('follows LINE\'s documented status codes', () => {
    expect(classifyLineError(http(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': 'r1' }))).toMatchObject({ kind: 'duplicate', acceptedRequestId: 'r1' })
    expect(classifyLineError(http(429, { message: 'rate' }, { 'retry-after': '2' }))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 })
    expect(classifyLineError(http(500, { message: 'x' })).kind).toBe('transient')
    expect(classifyLineError(http(400, { message: 'Failed to send messages' })).kind).toBe('unknown_recipient')
    expect(classifyLineError(http(400, { message: 'The request body has 1 error(s)', details: [{ message: 'May not be empty', property: 'to' }] })).kind).toBe('unknown_recipient')
    expect(classifyLineError(http(400, { message: 'The request body has 1 error(s)', details: [{ message: 'Must be one of', property: 'messages[0].type' }] })).kind).toBe('rejected')
    expect(classifyLineError(http(400, { message: 'Invalid reply token' })).kind).toBe('invalid_reply_token')
    expect(classifyLineError(http(401, { message: 'Authentication failed' })).kind).toBe('unauthorized')
    expect(classifyLineError(http(403, { message: 'Access to this API is not available for your account' })).kind).toBe('rejected')
    expect(classifyLineError(http(404, { message: 'Not found' })).kind).toBe('unknown_recipient')
    expect(classifyLineError(new LineTimeoutError(100))).toMatchObject({ kind: 'transient', reason: 'no answer from LINE within 100 ms' })
    expect(classifyLineError(new TypeError('fetch failed'))).toMatchObject({ kind: 'transient', reason: 'network error: fetch failed' })
  })
})
