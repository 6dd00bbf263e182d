// The example of docs/connectors.md ("Writing a connector"), run as a test so the guide's code
// keeps working: a webhook connector written with @omotenashi/core alone.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createHub, readBody, sendJson, Tokens, type Connector, type Emit, type HttpRoute, type OmoEvent } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { describe, expect, it } from 'vitest'
import { serveRoutes } from './testing/index.js'

// --- guide: start ---
const KioskCheckInSchema = z.object({
  id: z.string().min(1), // the kiosk's own event id: redeliveries repeat it
  memberCard: z.string().min(1),
  store: z.string().min(1),
  scannedAt: z.iso.datetime({ offset: true }), // the source's time, not ours
})

class KioskConnector implements Connector {
  readonly id = 'kiosk'
  #emit: Emit | undefined
  readonly #seen = new Set<string>()
  constructor(private readonly secret: string) {}

  async start(emit: Emit) { this.#emit = emit }
  async stop() { this.#emit = undefined }
  async health() { return { status: this.#emit ? ('up' as const) : ('down' as const) } }

  readonly route: HttpRoute = {
    method: 'POST',
    path: '/webhooks/kiosk',
    access: 'public', // no API key: the route checks the signature itself
    handle: async (request, response) => {
      const body = await readBody(request)
      const given = Buffer.from(String(request.headers['x-kiosk-signature'] ?? ''), 'hex')
      const expected = createHmac('sha256', this.secret).update(body).digest()
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return sendJson(response, 401, { error: 'bad signature' })
      const parsed = KioskCheckInSchema.safeParse(JSON.parse(body.toString('utf8')))
      if (!parsed.success) return sendJson(response, 400, { error: parsed.error.issues[0]?.message })
      if (!this.#emit) return sendJson(response, 503, { error: 'not started' })
      const scan = parsed.data
      if (this.#seen.has(scan.id)) return sendJson(response, 200, { status: 'duplicate' })
      const result = await this.#emit({
        id: `kiosk:${scan.id}`, // deterministic: downstream stores apply it once
        type: 'store.checked_in',
        source: 'kiosk',
        time: scan.scannedAt,
        identity: { loyaltyId: scan.memberCard },
        storeId: scan.store,
        data: { method: 'loyalty_card' },
      })
      if (!result.ok) return sendJson(response, 422, { error: result.error.message })
      this.#seen.add(scan.id)
      sendJson(response, 200, { status: 'accepted', id: result.id })
    },
  }
}

export function kioskConnector(options: { secret: string }): ContainerModule {
  const secret = z.string().min(16, 'secret must be at least 16 characters').parse(options.secret)
  const connector = new KioskConnector(secret)
  return new ContainerModule((m) => {
    m.bind(Tokens.Connector).toConstantValue(connector)
    m.bind(Tokens.HttpRoute).toConstantValue(connector.route)
  })
}
// --- guide: end ---

describe('the guide example (docs/connectors.md)', () => {
  it('publishes a signed scan once and refuses a forged one', async () => {
    const secret = 'kiosk-secret-0123456789'
    const hub = await createHub({ modules: [kioskConnector({ secret })] })
    const events: OmoEvent[] = []
    hub.hooks.on('event.accepted', (e) => events.push(e))
    await hub.start()
    const server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute))
    try {
      const body = JSON.stringify({ id: 'scan-1', memberCard: 'L-1001', store: 'shibuya', scannedAt: '2026-05-01T10:00:00+09:00' })
      const send = (signature: string) => fetch(`${server.url}/webhooks/kiosk`, { method: 'POST', body, headers: { 'x-kiosk-signature': signature } })
      const good = createHmac('sha256', secret).update(body).digest('hex')
      expect((await send(good)).status).toBe(200)
      expect(await (await send(good)).json()).toEqual({ status: 'duplicate' })
      expect((await send(createHmac('sha256', 'wrong').update(body).digest('hex'))).status).toBe(401)
      await hub.drain()
      expect(events.map((e) => [e.id, e.type, e.storeId, e.time])).toEqual([['kiosk:scan-1', 'store.checked_in', 'shibuya', '2026-05-01T01:00:00.000Z']])
    } finally {
      await server.close()
      await hub.stop()
    }
  })
})
