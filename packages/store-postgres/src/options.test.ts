import { ValidationError } from '@omotenashi/core'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { postgresStore } from './postgres-store.js'

describe('postgresStore() options', () => {
  it('refuses bad options with a ValidationError naming each field', () => {
    expect(() => postgresStore({ schema: 'Bad-Name', pool: new pg.Pool() })).toThrow(/schema: must be lower-case/)
    expect(() => postgresStore({ schema: 'pg_things', connectionString: 'postgres://x' })).toThrow(/schema: must not start with pg_/)
    expect(() => postgresStore({})).toThrow(/pool: give a pg Pool or a connectionString/)
    expect(() => postgresStore({ connectionString: 'x', scheduler: { pollIntervalMs: 1 } })).toThrow(/scheduler\.pollIntervalMs/)
    expect(() => postgresStore({ pool: {} as pg.Pool })).toThrow(/pool: must be a pg Pool/)
    let error: unknown
    try {
      postgresStore({ connectionString: 'x', poolSize: 0, ports: { inbox: 'yes' as unknown as boolean } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['poolSize', 'ports.inbox'])
  })

  it('accepts a pool or a connection string without connecting', () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })
    expect(postgresStore({ pool })).toBeDefined()
    expect(postgresStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none', schema: 'shop_1', ports: { profiles: false } })).toBeDefined()
  })
})
