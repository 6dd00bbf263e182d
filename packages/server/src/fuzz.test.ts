import { readBody, sendJson, Tokens, type HttpRoute, type Hub } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { processedIds, testHub } from './test-support.js'
import { fuzzServer, startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer
let processed: string[]

const webhook: HttpRoute = {
  method: 'POST',
  path: '/webhooks/fuzz',
  access: 'public',
  async handle(request, response) {
    const raw = await readBody(request, 4096)
    sendJson(response, 200, { bytes: raw.length })
  },
}

beforeAll(async () => {
  const module = new ContainerModule((m) => void m.bind(Tokens.HttpRoute).toConstantValue(webhook))
  ;({ hub } = await testHub({ modules: [module] }))
  processed = processedIds(hub)
  server = await startTestServer(hub, { rateLimit: { max: 1_000_000, timeWindowMs: 1000 }, cors: { origins: ['https://shop.example.jp'] }, limits: { maxBatchBytes: 256 * 1024 } })
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

it('survives random and malformed requests over every endpoint: no 5xx, clear JSON errors, valid events unaffected', async () => {
  const report = await fuzzServer({ app: server.app, keys: server.keys, count: 3000, seed: 20261122 })
  expect(report.failures).toEqual([])
  expect(report.validRefused).toBe(0)
  // The run reached the interesting answers, not just 401s.
  for (const status of [200, 400, 401, 403, 404, 413, 415]) expect(report.byStatus[status] ?? 0, `status ${status}`).toBeGreaterThan(0)
  await hub.drain()
  const seen = new Set(processed)
  expect(report.validIds.filter((id) => !seen.has(id))).toEqual([])
  expect((await fetch(`${server.url}/health`)).status).toBe(200)
  // Prototype pollution attempts did nothing.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
}, 60_000)
