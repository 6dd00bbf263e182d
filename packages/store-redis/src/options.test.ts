import { ValidationError } from '@omotenashi/core'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { redisStore } from './redis-store.js'

describe('redisStore() options', () => {
  it('refuses bad options with a ValidationError naming each field', () => {
    expect(() => redisStore({})).toThrow(/client: give an ioredis client or a url/)
    expect(() => redisStore({ url: 'http://x' })).toThrow(/url: must start with redis/)
    expect(() => redisStore({ url: 'redis://x', scheduler: { leaseMs: 1 } })).toThrow(/scheduler\.leaseMs/)
    expect(() => redisStore({ client: {} as Redis })).toThrow(/client: must be an ioredis client/)
    let error: unknown
    try {
      redisStore({ url: 'redis://x', prefix: 'has space', ledgerTtlMs: 5 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['ledgerTtlMs', 'prefix'])
  })

  it('accepts a client or a url without connecting', () => {
    const client = new Redis({ lazyConnect: true })
    expect(redisStore({ client, prefix: 'shop:' })).toBeDefined()
    expect(redisStore({ url: 'redis://127.0.0.1:1', ports: { profiles: false } })).toBeDefined()
    client.disconnect()
  })
})
