import { createHub, recordingChannel, Tokens, type Hub } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './testing/index.js'

let hub: Hub
let server: TestServer

beforeAll(async () => {
  // A decide stage that plans one push per purchase, to a channel that answers sent or failed.
  const decide = new ContainerModule((m) => {
    m.bind(Tokens.DecideStage).toConstantValue({
      run(context) {
        if (context.event.type !== 'pos.purchased' || !context.customerId) return
        context.decisions.push({
          id: `d-${context.event.id}`,
          at: context.event.time,
          customerId: context.customerId,
          eventId: context.event.id,
          trigger: context.event.type,
          candidates: [{ actionId: 'thanks', status: 'won', reasons: ['bought'] }],
          actions: [{ actionId: 'thanks', channels: ['push'], message: { actionId: 'thanks', title: 'Thanks' }, recipient: { customerId: context.customerId, identifiers: {} }, idempotencyKey: `k-${context.event.id}` }],
        })
      },
    })
  })
  const push = recordingChannel({ id: 'push', respond: (_m, recipient) => (recipient.customerId.endsWith('bad') ? { status: 'failed', permanent: true, reason: 'blocked' } : { status: 'sent' }) })
  hub = await createHub({ modules: [decide, push] })
  await hub.start()
  server = await startTestServer(hub, { metrics: { access: 'public' } })
})
afterAll(async () => {
  await server.close()
  await hub.stop()
})

it('counts push decisions and sends by channel and outcome; public scrape when configured', async () => {
  const purchase = (loyaltyId: string) => ({
    type: 'pos.purchased', source: 'pos', storeId: 'shibuya', identity: { loyaltyId },
    data: { transactionId: `t-${loyaltyId}`, items: [{ sku: 'S', quantity: 1, unitPrice: 100 }], total: 100, currency: 'JPY' },
  })
  const res = await fetch(`${server.url}/v1/events/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.keys.ingest}`, 'content-type': 'application/json' },
    body: JSON.stringify([purchase('good-1'), purchase('good-2'), purchase('bad')]),
  })
  expect(res.status).toBe(200)
  await hub.drain()
  const text = await (await fetch(`${server.url}/metrics`)).text()
  expect(text).toMatch(/omotenashi_decisions_total\{kind="push"\} 3/)
  expect(text).toMatch(/omotenashi_sends_total\{channel="push",status="sent"\} 2/)
  expect(text).toMatch(/omotenashi_sends_total\{channel="push",status="failed_permanent"\} 1/)
  expect(text).toMatch(/omotenashi_events_accepted_total\{type="message.sent"\} 2/)
})
