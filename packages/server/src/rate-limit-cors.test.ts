import type { Hub } from '@omotenashi/core'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { hashApiKey } from './api-keys.js'
import { testHub } from './test-support.js'
import { startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer

beforeEach(async () => {
  ;({ hub } = await testHub())
  server = await startTestServer(hub, {
    apiKeys: [{ name: 'tight', sha256: hashApiKey('tight-key'), scopes: ['read'], rateLimit: { max: 3, timeWindowMs: 60_000 } }],
    cors: { origins: ['https://shop.example.jp'] },
  })
})
afterEach(async () => {
  await server.close()
  await hub.stop()
})

it('limits each key on its own, with a clear 429', async () => {
  const get = (key: string) => fetch(`${server.url}/v1/customers/c/decisions`, { headers: { authorization: `Bearer ${key}` } })
  for (let i = 0; i < 3; i++) expect((await get('tight-key')).status).toBe(200)
  const limited = await get('tight-key')
  expect(limited.status).toBe(429)
  expect(((await limited.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'E_RATE_LIMITED', message: expect.stringMatching(/3 requests/) })
  expect(limited.headers.get('retry-after')).toBeTruthy()
  // Another key is not affected, nor are health probes.
  expect((await get(server.keys.read)).status).toBe(200)
  for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/health`)).status).toBe(200)
})

it('answers CORS preflights for allowed origins on ingest only', async () => {
  const preflight = (origin: string, path = '/v1/events') =>
    fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
  const ok = await preflight('https://shop.example.jp')
  expect(ok.status).toBe(204)
  expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.jp')
  expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/)
  const other = await preflight('https://evil.example')
  expect(other.headers.get('access-control-allow-origin')).toBeNull()
  const notIngest = await preflight('https://shop.example.jp', '/v1/profiles/c')
  expect(notIngest.headers.get('access-control-allow-origin')).toBeNull()
  const post = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { origin: 'https://shop.example.jp', authorization: `Bearer ${server.keys.ingest}`, 'content-type': 'text/plain' },
    body: JSON.stringify({ type: 'page.viewed', source: 'web', identity: { anonymousId: 'b' } }),
  })
  expect(post.status).toBe(200)
  expect(post.headers.get('access-control-allow-origin')).toBe('https://shop.example.jp')
})

it('refuses bad options naming the field', async () => {
  const { omotenashiServer } = await import('./server.js')
  await expect(omotenashiServer(hub, { apiKeys: [{ name: 'x', sha256: 'plain-text-key', scopes: ['read'] }] })).rejects.toThrow(/apiKeys\.0\.sha256: must be the hex SHA-256/)
  await expect(omotenashiServer(hub, { apiKeys: [{ name: 'x', sha256: hashApiKey('k'), scopes: ['superuser' as 'read'] }] })).rejects.toThrow(/apiKeys\.0\.scopes\.0/)
})
