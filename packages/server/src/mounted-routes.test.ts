import { connect } from 'node:net'
import { createHash } from 'node:crypto'
import { readBody, sendJson, Tokens, type HttpRoute, type Hub } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { testHub } from './test-support.js'
import { startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer
const received: Array<{ raw: string; signature: string | undefined; params: Record<string, string> }> = []

const webhook: HttpRoute = {
  method: 'POST',
  path: '/webhooks/test/:channelId',
  access: 'public',
  summary: 'A test webhook that verifies a signature over the raw body.',
  async handle(request, response, params) {
    const raw = (await readBody(request, 1024)).toString('utf8')
    received.push({ raw, signature: request.headers['x-signature'] as string | undefined, params: { ...params } })
    sendJson(response, 200, { ok: true, bytes: raw.length })
  },
}
const adminOnly: HttpRoute = {
  method: 'GET',
  path: '/staff/stats',
  access: 'admin',
  async handle(_request, response) {
    sendJson(response, 200, { stats: 1 })
  },
}
const broken: HttpRoute = {
  method: 'POST',
  path: '/webhooks/broken',
  access: 'public',
  async handle() {
    throw Object.assign(new Error('bad signature'), { statusCode: 401 })
  },
}
const feed: HttpRoute = {
  method: 'GET',
  path: '/staff/feed/:storeId',
  access: 'read',
  async handle(_request, response) {
    sendJson(response, 426, { error: { code: 'E_UPGRADE', message: 'use WebSocket' } })
  },
  upgrade(request, socket, _head, params) {
    const accept = createHash('sha1').update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
    const store = params['storeId']
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nx-store: ${store}\r\n\r\n`)
  },
}

beforeAll(async () => {
  const module = new ContainerModule((m) => {
    for (const route of [webhook, adminOnly, broken, feed]) m.bind(Tokens.HttpRoute).toConstantValue(route)
  })
  ;({ hub } = await testHub({ modules: [module] }))
  server = await startTestServer(hub)
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

it('hands public webhooks the raw, unparsed body and their path parameters', async () => {
  const body = '{"events":[{"type":"follow"}],  "spacing":"kept"}'
  const res = await fetch(`${server.url}/webhooks/test/ch-1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'sig' }, body })
  expect(res.status).toBe(200)
  expect(received.at(-1)).toEqual({ raw: body, signature: 'sig', params: { channelId: 'ch-1' } })
  // Any content type reaches the route untouched.
  const form = await fetch(`${server.url}/webhooks/test/ch-2`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' })
  expect(form.status).toBe(200)
  expect(received.at(-1)!.raw).toBe('a=1&b=2')
})

it('applies the scope a mounted route asks for', async () => {
  expect((await fetch(`${server.url}/staff/stats`)).status).toBe(401)
  expect((await fetch(`${server.url}/staff/stats`, { headers: { authorization: `Bearer ${server.keys.read}` } })).status).toBe(403)
  const ok = await fetch(`${server.url}/staff/stats`, { headers: { authorization: `Bearer ${server.keys.admin}` } })
  expect(await ok.json()).toEqual({ stats: 1 })
})

it('turns a throwing route into a JSON error with its status', async () => {
  const res = await fetch(`${server.url}/webhooks/broken`, { method: 'POST', body: 'x' })
  expect(res.status).toBe(401)
  expect(((await res.json()) as { error: { code: string } }).error.code).toBeDefined()
})

it('lists mounted routes in the OpenAPI document', async () => {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-omotenashi-scope': string }>> }
  expect(doc.paths['/webhooks/test/{channelId}']!['post']!['x-omotenashi-scope']).toBe('public')
  expect(doc.paths['/staff/feed/{storeId}']!['get']!['x-omotenashi-scope']).toBe('read')
})

const upgrade = (path: string, headers = ''): Promise<string> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n${headers}\r\n`)
    })
    let data = ''
    socket.on('data', (c) => (data += c.toString()))
    socket.on('end', () => resolve(data))
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  })

it('routes WebSocket upgrades after checking the key (header or access_token)', async () => {
  expect(await upgrade('/staff/feed/shibuya')).toMatch(/^HTTP\/1.1 401/)
  expect(await upgrade(`/staff/feed/shibuya?access_token=${server.keys.ingest}`)).toMatch(/^HTTP\/1.1 403/)
  const ok = await upgrade(`/staff/feed/shibuya?access_token=${server.keys.read}`)
  expect(ok).toMatch(/^HTTP\/1.1 101/)
  expect(ok).toMatch(/sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/)
  expect(ok).toMatch(/x-store: shibuya/)
  expect(await upgrade('/staff/feed/umeda', `authorization: Bearer ${server.keys.read}\r\n`)).toMatch(/^HTTP\/1.1 101/)
  expect(await upgrade('/nowhere')).toMatch(/^HTTP\/1.1 404/)
})
