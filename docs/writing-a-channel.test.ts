import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createHub, type Decision, Tokens } from '@omotenashi/core'
import { describeChannelContract } from '@omotenashi/core/testing'
import { ContainerModule } from 'inversify'
import { createSmsChannel, smsChannel, SmsProviderError, type SmsClient } from './snippets/sms-channel.js'

/**
 * A local HTTP stand-in for an SMS provider (no real SMS gateway can run here). It dedupes by
 * idempotency key as real providers do, refuses one number for good, and counts deliveries.
 */
async function localSmsProvider(): Promise<{ client: SmsClient; delivered: () => number; close: () => Promise<void> }> {
  const seen = new Set<string>()
  let delivered = 0
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const { to, idempotencyKey } = JSON.parse(body) as { to: string; idempotencyKey: string }
      if (to === '+819000000000') {
        res.writeHead(404).end('{"error":"unknown number"}')
        return
      }
      if (!seen.has(idempotencyKey)) {
        seen.add(idempotencyKey)
        delivered++
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${idempotencyKey}` }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const client: SmsClient = {
    async send(request) {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(request) })
      if (!res.ok) throw new SmsProviderError(res.status, await res.text())
      return (await res.json()) as { id: string }
    },
  }
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    })
  return { client, delivered: () => delivered, close }
}

describeChannelContract('docs: sms channel', async () => {
  const provider = await localSmsProvider()
  return {
    channel: createSmsChannel({ sender: 'SHOP', client: provider.client }),
    recipient: { customerId: 'c1', identifiers: { phone: ['+81312345678'] } },
    refusedRecipient: { customerId: 'c2', identifiers: { phone: ['+819000000000'] } },
    delivered: async () => provider.delivered(),
    cleanup: provider.close,
  }
})

describe('docs: writing a channel', () => {
  it('refuses bad options naming the field', () => {
    expect(() => createSmsChannel({ sender: '', client: { send: async () => ({ id: 'x' }) } })).toThrow(/sender/)
  })

  it('plugs into a hub and sends a decision', async () => {
    const provider = await localSmsProvider()
    const decide = new ContainerModule(({ bind }) => {
      bind(Tokens.DecideStage).toConstantValue({
        run(ctx) {
          // Only the call triggers: the outcome event the send produces (message.sent) must not.
          if (ctx.event.type !== 'call.started') return
          const decision: Decision = {
            id: `d-${ctx.event.id}`,
            at: ctx.event.time,
            customerId: ctx.customerId!,
            trigger: ctx.event.type,
            candidates: [{ actionId: 'hello', status: 'won', reasons: ['test'] }],
            actions: [{ actionId: 'hello', channels: ['sms'], message: { actionId: 'hello', text: 'Hello!' }, recipient: { customerId: ctx.customerId!, identifiers: { phone: [ctx.event.identity.phone!] } }, idempotencyKey: `d-${ctx.event.id}` }],
          }
          ctx.decisions.push(decision)
        },
      })
    })
    const hub = await createHub({ modules: [smsChannel({ sender: 'SHOP', client: provider.client }), decide] })
    await hub.start()
    await hub.publish({ type: 'call.started', source: 'callcenter', identity: { phone: '+81312345678' }, data: { callId: 'call-1' } })
    const outcomes: string[] = []
    hub.hooks.on('event.processed', (c) => void (c.event.type === 'message.sent' && outcomes.push(c.event.data['channel'] as string)))
    await hub.drain()
    expect(provider.delivered()).toBe(1)
    expect(outcomes).toEqual(['sms'])
    await hub.stop()
    await provider.close()
  })
})
