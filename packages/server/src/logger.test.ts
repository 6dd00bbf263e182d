import { Writable } from 'node:stream'
import type { Hub } from '@omotenashi/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { testHub } from './test-support.js'
import { startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer
const lines: string[] = []

beforeAll(async () => {
  ;({ hub } = await testHub())
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  server = await startTestServer(hub, { logger: { level: 'debug', stream } })
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

it('logs requests and failures without secrets or personal data', async () => {
  const email = 'secret.person@example.jp'
  const phone = '+81312345678'
  const headers = { authorization: `Bearer ${server.keys.all}`, 'content-type': 'application/json' }
  await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'page.viewed', source: 'web', identity: { email, phone } }) })
  await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'page.viewed', source: 'web', identity: { email: 12 }, data: { note: email } }) })
  await fetch(`${server.url}/v1/events`, { method: 'POST', headers, body: `{"identity":{"email":"${email}"` })
  await fetch(`${server.url}/v1/profiles/email:${encodeURIComponent(email)}?phone=${encodeURIComponent(phone)}`, { headers })
  await fetch(`${server.url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeKey: server.keys.ingest, userId: 'u', traits: { email, phone } }) })
  await fetch(`${server.url}/v1/track`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${server.keys.ingest}:`).toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u' }) })
  await fetch(`${server.url}/v1/profiles/lookup`, { method: 'POST', headers, body: JSON.stringify({ identity: { email } }) })
  const log = lines.join('')
  expect(lines.length).toBeGreaterThan(10)
  expect(log).toMatch(/"route":"\/v1\/profiles\/:customerId"/)
  expect(log).toMatch(/"code":"E_VALIDATION"/)
  for (const secret of [email, encodeURIComponent(email), phone, encodeURIComponent(phone), 'secret.person', ...Object.values(server.keys)]) {
    expect(log.includes(secret), `log contains ${secret}`).toBe(false)
  }
})
