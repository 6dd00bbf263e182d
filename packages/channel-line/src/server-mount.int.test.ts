// The webhook as @omotenashi/server mounts it: public (no API key), raw body intact.
import { createHub, type OmoEvent } from '@omotenashi/core'
import { startTestServer } from '@omotenashi/server/testing'
import { expect, it } from 'vitest'
import { lineChannel } from './module.js'
import { lineEvents, lineUserId, signedWebhook, webhookBody } from './testing/index.js'

it('@omotenashi/server mounts POST /webhooks/line publicly and the signature holds over its raw body', async () => {
  const hub = await createHub({ modules: [lineChannel({ channelAccessToken: 't', channelSecret: 'mount-secret' })] })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (e) => void events.push(e))
  await hub.start()
  const server = await startTestServer(hub)
  try {
    const user = lineUserId()
    const signed = signedWebhook(webhookBody([lineEvents.follow({ userId: user })]), 'mount-secret')
    const ok = await fetch(`${server.url}/webhooks/line`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signed.signature }, body: signed.raw })
    expect(ok.status).toBe(200)
    const forged = await fetch(`${server.url}/webhooks/line`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-line-signature': signedWebhook({ destination: 'U', events: [] }, 'mount-secret').signature }, body: signed.raw })
    expect(forged.status).toBe(401)
    await hub.drain()
    expect(events.map((e) => [e.type, e.identity])).toEqual([['line.followed', { lineUserId: user }]])
  } finally {
    await server.close()
    await hub.stop()
  }
})
