import type { Hub } from '@omotenashi/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeyRing, credentialFrom, hashApiKey, SCOPES } from './api-keys.js'
import { testHub } from './test-support.js'
import { startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer
interface Operation { method: string; path: string; scope: string }
let operations: Operation[] = []

beforeAll(async () => {
  ;({ hub } = await testHub())
  server = await startTestServer(hub)
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-omotenashi-scope': string }>> }
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x'), scope: op['x-omotenashi-scope'] })),
  )
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

const call = (op: Operation, headers: Record<string, string> = {}) =>
  fetch(server.url + op.path, {
    method: op.method,
    headers: { ...headers, ...(op.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(op.method === 'POST' ? { body: '{}' } : {}),
  })

describe('API keys and scopes', () => {
  it('lists every endpoint with its scope in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25)
    for (const scope of SCOPES) expect(operations.some((o) => o.scope === scope)).toBe(true)
  })

  it('refuses every protected endpoint without a key (401, JSON, WWW-Authenticate)', async () => {
    for (const op of operations.filter((o) => o.scope !== 'public')) {
      const res = await call(op)
      expect(res.status, `${op.method} ${op.path}`).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer/)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_UNAUTHORIZED')
    }
  })

  it('refuses a wrong key as 401', async () => {
    for (const op of operations.filter((o) => o.scope !== 'public')) {
      const res = await call(op, { authorization: 'Bearer omo_not_a_key' })
      expect(res.status, `${op.method} ${op.path}`).toBe(401)
    }
  })

  it('lets each scope do only what it names: every other endpoint answers 403', async () => {
    let allowed = 0
    let refused = 0
    for (const scope of SCOPES) {
      for (const op of operations.filter((o) => o.scope !== 'public')) {
        const res = await call(op, { authorization: `Bearer ${server.keys[scope]}` })
        const body = (await res.json().catch(() => ({}))) as { error?: { code: string } }
        if (op.scope === scope) {
          expect([401, 403], `${scope} on ${op.method} ${op.path}`).not.toContain(res.status)
          allowed++
        } else {
          expect(res.status, `${scope} on ${op.method} ${op.path}`).toBe(403)
          expect(body.error?.code).toBe('E_FORBIDDEN')
          refused++
        }
      }
    }
    expect(allowed).toBe(operations.filter((o) => o.scope !== 'public').length)
    expect(refused).toBe(allowed * (SCOPES.length - 1))
  })

  it('serves public endpoints without a key', async () => {
    for (const path of ['/health', '/ready', '/openapi.json']) expect((await fetch(server.url + path)).status).toBe(200)
  })

  it('refuses the concrete sensitive calls to the wrong scopes', async () => {
    const req = (key: string, method: string, path: string, body?: unknown) =>
      fetch(server.url + path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) })
    // An ingest (browser) key cannot read profiles, decide, erase or list dead letters.
    expect((await req(server.keys.ingest, 'GET', '/v1/profiles/c1')).status).toBe(403)
    expect((await req(server.keys.ingest, 'POST', '/v1/decide', { identity: { customerId: 'c1' }, placement: 'web.home' })).status).toBe(403)
    expect((await req(server.keys.read, 'DELETE', '/v1/profiles/c1')).status).toBe(403)
    expect((await req(server.keys.decide, 'GET', '/v1/admin/dead-letters')).status).toBe(403)
    expect((await req(server.keys.admin, 'POST', '/v1/events', { type: 'page.viewed', source: 'web', identity: { anonymousId: 'a' } })).status).toBe(403)
    // CloudEvents binary mode (ce-* headers) is ingest too: only an ingest key gets in.
    const binary = (key: string) =>
      fetch(`${server.url}/v1/cloudevents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': `auth-${key.slice(4, 12)}`, 'ce-source': 'web', 'ce-type': 'page.viewed', 'ce-anonymousid': 'a' },
        body: '{}',
      })
    for (const scope of ['read', 'decide', 'admin'] as const) expect((await binary(server.keys[scope])).status, scope).toBe(403)
    expect((await binary(server.keys.ingest)).status).toBe(200)
    // The browser paths (write key in a text/plain body) likewise.
    for (const scope of ['read', 'decide', 'admin'] as const) {
      const res = await fetch(`${server.url}/v1/t`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ writeKey: server.keys[scope], anonymousId: 'a', event: 'X' }) })
      expect(res.status, scope).toBe(403)
    }
    // A key with every scope can do all of it.
    expect((await req(server.keys.all, 'POST', '/v1/events', { type: 'page.viewed', source: 'web', identity: { anonymousId: 'a' } })).status).toBe(200)
    expect((await req(server.keys.all, 'GET', '/v1/admin/dead-letters')).status).toBe(200)
  })

  it('accepts the key as Bearer, as Basic user name (Segment write key) and as x-api-key', async () => {
    const body = JSON.stringify({ type: 'page.viewed', source: 'web', identity: { anonymousId: 'a' } })
    const basic = Buffer.from(`${server.keys.ingest}:`).toString('base64')
    for (const headers of [{ authorization: `Bearer ${server.keys.ingest}` }, { authorization: `Basic ${basic}` }, { 'x-api-key': server.keys.ingest }]) {
      const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
      expect(res.status).toBe(200)
    }
  })
})

describe('ApiKeyRing', () => {
  it('finds the matching key among many and refuses others', () => {
    const ring = new ApiKeyRing([
      { name: 'a', sha256: hashApiKey('key-a'), scopes: ['ingest'] },
      { name: 'b', sha256: hashApiKey('key-b'), scopes: ['read'] },
    ])
    expect(ring.verify('key-b')?.name).toBe('b')
    expect(ring.verify('key-a')?.name).toBe('a')
    expect(ring.verify('key-c')).toBeUndefined()
    expect(ring.verify('')).toBeUndefined()
  })

  it('remembers only keys that matched: wrong keys stay refused however many are tried', () => {
    const ring = new ApiKeyRing([{ name: 'a', sha256: hashApiKey('key-a'), scopes: ['ingest'] }])
    for (let i = 0; i < 3000; i++) expect(ring.verify(`wrong-${i}`)).toBeUndefined()
    for (let i = 0; i < 3; i++) expect(ring.verify('key-a')?.name).toBe('a')
    expect(ring.verify('key-a ')).toBeUndefined()
    expect(ring.verify('key-')).toBeUndefined()
  })

  it('reads credentials from the usual headers', () => {
    expect(credentialFrom({ authorization: 'Bearer abc' })).toBe('abc')
    expect(credentialFrom({ authorization: `Basic ${Buffer.from('wk:').toString('base64')}` })).toBe('wk')
    expect(credentialFrom({ authorization: `Basic ${Buffer.from(':pw').toString('base64')}` })).toBe('pw')
    expect(credentialFrom({ 'x-api-key': 'k' })).toBe('k')
    expect(credentialFrom({ authorization: 'Digest x' })).toBeUndefined()
    expect(credentialFrom({})).toBeUndefined()
  })
})
