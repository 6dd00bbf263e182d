/**
 * bench/server-fuzz: 100 000 random and malformed requests over every endpoint of the HTTP API
 * (through Fastify's full pipeline via inject), with a valid event every 10 requests.
 * Passes when no answer is a 5xx, every error has a JSON body with a code and a message, and
 * every valid event was accepted and processed by the hub. Not part of `pnpm bench` (no `run`).
 * Run: node --conditions=@omotenashi/source --import tsx bench/server-fuzz.ts [count] [seed]
 */
import { fileURLToPath } from 'node:url'
import { createHub, readBody, sendJson, Tokens, type HttpRoute } from '@omotenashi/core'
import { decisioning, parseRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { fuzzServer, startTestServer } from '@omotenashi/server/testing'
import { ContainerModule } from 'inversify'

async function main(count: number, seed: number): Promise<boolean> {
  const webhook: HttpRoute = {
    method: 'POST',
    path: '/webhooks/fuzz',
    access: 'public',
    async handle(request, response) {
      sendJson(response, 200, { bytes: (await readBody(request, 4096)).length })
    },
  }
  const rules = parseRules(`
actions: [{ id: hero, placements: [web.home], content: { default: { title: Hi } } }]
rules: [{ id: home, when: { placement: web.home }, do: { action: hero } }]
`)
  const hub = await createHub({
    modules: [profiles(), decisioning({ rules }), new ContainerModule((m) => void m.bind(Tokens.HttpRoute).toConstantValue(webhook))],
    bus: { capacity: 50_000 },
  })
  const processed = new Set<string>()
  hub.hooks.on('event.processed', (context) => void processed.add(context.event.id))
  await hub.start()
  const server = await startTestServer(hub, { rateLimit: { max: 10_000_000, timeWindowMs: 1000 }, cors: { origins: ['https://shop.example.jp'] }, limits: { maxBatchBytes: 256 * 1024 } })
  const started = performance.now()
  const report = await fuzzServer({ app: server.app, keys: server.keys, count, seed })
  await hub.drain()
  const seconds = (performance.now() - started) / 1000
  const missing = report.validIds.filter((id) => !processed.has(id))
  await server.close()
  await hub.stop()
  const statuses = Object.entries(report.byStatus).sort(([a], [b]) => Number(a) - Number(b)).map(([s, n]) => `${s}: ${n}`).join(', ')
  console.log(`| requests | seconds | 5xx or unclear errors | valid events refused | valid events not processed | statuses |`)
  console.log(`| ---: | ---: | ---: | ---: | ---: | --- |`)
  console.log(`| ${report.requests} | ${seconds.toFixed(1)} | ${report.failures.length} | ${report.validRefused} | ${missing.length} | ${statuses} |`)
  for (const failure of report.failures.slice(0, 10)) console.log(`FAIL ${failure.status} ${failure.request} → ${failure.body}`)
  return report.failures.length === 0 && report.validRefused === 0 && missing.length === 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ok = await main(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 20261122))
  process.exitCode = ok ? 0 : 1
}
