import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { Tokens, type DeliveryResult } from '@omotenashi/core'
import { afterEach, describe, expect, it } from 'vitest'
import { issueStaffToken } from './device-token.js'
import { CLOSE_TOKEN_EXPIRED } from './live-feed.js'
import { startStaffHub, TEST_SECRET, type StaffHub } from './test-fixtures.js'
import { connectStaffClient, openSseStream, StaffFeedRefused, type StaffTestClient } from './testing/index.js'

const checkIn = (loyaltyId: string, storeId = 'shibuya') => ({ type: 'store.checked_in', source: 'app', identity: { loyaltyId }, storeId }) as const

async function refusal(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StaffFeedRefused)
  return (error as StaffFeedRefused).status
}

describe('staff live feed', () => {
  let env: StaffHub | undefined
  const clients: StaffTestClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await env?.stop()
    env = undefined
  })

  describe('refuses bad input', () => {
    it('refuses sockets without a valid token (401), for a store the token lacks (403) or an unknown store (404)', async () => {
      env = await startStaffHub()
      expect(await refusal(connectStaffClient(env.url, undefined, { store: 'shibuya' }))).toBe(401)
      expect(await refusal(connectStaffClient(env.url, 'stf1.bm9wZQ.bm9wZQ', { store: 'shibuya' }))).toBe(401)
      const foreign = issueStaffToken({ staffId: 'x', storeIds: ['shibuya'] }, 'another-secret-0123456789-abcdefghijkl')
      expect(await refusal(connectStaffClient(env.url, foreign, { store: 'shibuya' }))).toBe(401)
      const expired = issueStaffToken({ staffId: 'x', storeIds: ['shibuya'], ttlSeconds: 60, now: Date.now() - 120_000 }, TEST_SECRET)
      expect(await refusal(connectStaffClient(env.url, expired, { store: 'shibuya' }))).toBe(401)
      expect(await refusal(connectStaffClient(env.url, env.token('sato', ['shibuya']), { store: 'umeda' }))).toBe(403)
      expect(await refusal(connectStaffClient(env.url, env.token('sato', ['shibuya', 'osaka']), { store: 'osaka' }))).toBe(404)
      expect(await refusal(connectStaffClient(env.url, env.token('sato', ['shibuya', 'umeda'])))).toBe(400)
      expect(env.staff.live.connections).toBe(0)

      const sse = await openSseStream(`${env.url}/staff/events?store=shibuya`)
      expect(sse.status).toBe(401)
      const sse2 = await openSseStream(`${env.url}/staff/events?store=umeda`, { authorization: `Bearer ${env.token('sato', ['shibuya'])}` })
      expect(sse2.status).toBe(403)
    })

    it('refuses a card for an unknown store, permanently, with a reason', async () => {
      env = await startStaffHub()
      const failures: DeliveryResult[] = []
      env.hub.hooks.on('action.failed', (_action, channel, result) => void (channel === 'staff' && failures.push(result)))
      await env.hub.publish(checkIn('L-1', 'osaka'))
      await env.hub.drain()
      expect(failures).toEqual([expect.objectContaining({ status: 'failed', permanent: true, reason: expect.stringMatching(/store "osaka" has no staff feed/) })])
      expect(await env.hub.get(Tokens.DeadLetterStore).count()).toBe(0)
    })

    it('refuses acknowledgements without a token, for another store, or invalid ones (naming the fields)', async () => {
      env = await startStaffHub()
      const a = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
      clients.push(a)
      await env.hub.publish(checkIn('L-1'))
      const { card } = await a.waitFor('card')
      const post = (body: unknown, token?: string) =>
        fetch(`${env!.url}/staff/acknowledgements`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })
      expect((await post({ cardId: card.id, outcome: 'served' })).status).toBe(401)
      expect((await post({ cardId: card.id, outcome: 'served' }, env.token('kato', ['umeda']))).status).toBe(404)
      const bad = await post({ cardId: card.id, outcome: 'maybe' }, env.token('sato', ['shibuya']))
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['outcome'])
      const noNote = await post({ cardId: card.id, outcome: 'noted' }, env.token('sato', ['shibuya']))
      expect(((await noNote.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['note'])
      expect((await post('{nope', env.token('sato', ['shibuya']))).status).toBe(400)
      const ok = await post({ cardId: card.id, outcome: 'noted', note: 'prefers fitting room 2' }, env.token('sato', ['shibuya']))
      expect(ok.status).toBe(202)
      expect(await a.waitFor('ack')).toMatchObject({ cardId: card.id, ack: { outcome: 'noted', note: 'prefers fitting room 2', staffId: 'sato' } })
      a.send({ type: 'ack', cardId: 'card_unknown', outcome: 'served', requestId: 'x' })
      expect(await a.waitFor('ack.result', (m) => m.requestId === 'x')).toMatchObject({ ok: false, error: expect.stringMatching(/no card/) })
    })

    it('answers malformed socket messages with an error and stays up; closes on oversized ones', async () => {
      env = await startStaffHub()
      const a = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
      clients.push(a)
      for (const bad of ['not json', 'null', '[1,2]', '{"type":"subscribe"}']) a.socket.send(bad)
      a.socket.send(Buffer.from([1, 2, 3]))
      a.send({ type: 'ack', outcome: 'served', requestId: 'no-card' })
      await expect.poll(() => a.messages.filter((m) => m.type === 'error').length).toBe(5)
      expect(await a.waitFor('ack.result', (m) => m.requestId === 'no-card')).toMatchObject({ ok: false, error: expect.stringMatching(/cardId/) })
      a.send({ type: 'ping' })
      await a.waitFor('pong')
      const code = new Promise<number>((resolve) => a.socket.once('close', (c) => resolve(c)))
      a.socket.send('x'.repeat(100_000))
      expect(await code).toBe(1009)
      // The server is still serving others.
      const b = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
      clients.push(b)
    })

    it('closes a socket when its token expires', async () => {
      env = await startStaffHub()
      const a = await connectStaffClient(env.url, env.token('sato', ['shibuya'], 1))
      const code = await new Promise<number>((resolve) => a.socket.once('close', (c) => resolve(c)))
      expect(code).toBe(CLOSE_TOKEN_EXPIRED)
    })
  })

  describe('cards missed while offline arrive on reconnect', () => {
    it('over WebSocket, from the last sequence seen', async () => {
      env = await startStaffHub()
      const token = env.token('sato', ['shibuya'])
      const first = await connectStaffClient(env.url, token)
      await env.hub.publish(checkIn('L-1'))
      const seen = await first.waitFor('card')
      const hello = await first.waitFor('hello')
      await first.close()

      await env.hub.publish(checkIn('L-2'))
      await env.hub.publish(checkIn('L-3'))
      await env.hub.drain()
      const again = await connectStaffClient(env.url, token, { epoch: hello.epoch, since: seen.seq })
      clients.push(again)
      const replayed = again.messages.filter((m) => m.type === 'card')
      expect(replayed.map((m) => [m.seq, m.card.customer.loyaltyId])).toEqual([
        [2, 'L-2'],
        [3, 'L-3'],
      ])
      expect(await again.waitFor('synced')).toEqual({ type: 'synced', replayed: 2 })
      // A device whose cursor is from another epoch (the server restarted) gets all that is buffered.
      const stale = await connectStaffClient(env.url, token, { epoch: 'restarted', since: 3 })
      clients.push(stale)
      expect(stale.messages.filter((m) => m.type === 'card')).toHaveLength(3)
      // And live cards keep coming after the replay.
      await env.hub.publish(checkIn('L-4'))
      expect((await again.waitFor('card', (m) => m.seq === 4)).card.customer.loyaltyId).toBe('L-4')
    })

    it('over SSE, from Last-Event-ID', async () => {
      env = await startStaffHub()
      const headers = { authorization: `Bearer ${env.token('sato', ['shibuya'])}` }
      const first = await openSseStream(`${env.url}/staff/events?store=shibuya`, headers)
      await env.hub.publish(checkIn('L-1'))
      const card = await first.waitFor((e) => e.event === 'card')
      expect(card.id).toMatch(/^[a-z0-9]+\.1$/)
      first.close()

      await env.hub.publish(checkIn('L-2'))
      await env.hub.drain()
      const again = await openSseStream(`${env.url}/staff/events?store=shibuya`, { ...headers, 'last-event-id': card.id! })
      const replay = await again.waitFor((e) => e.event === 'card')
      expect((JSON.parse(replay.data) as { card: { customer: { loyaltyId: string } } }).card.customer.loyaltyId).toBe('L-2')
      await again.waitFor((e) => e.event === 'synced')
      expect(again.events.filter((e) => e.event === 'card')).toHaveLength(1)
      // Live acknowledgements reach SSE devices too.
      const a = await connectStaffClient(env.url, env.token('sato', ['shibuya']), { epoch: 'x', since: 0 })
      clients.push(a)
      const { card: live } = await a.waitFor('card', (m) => m.seq === 2)
      a.send({ type: 'ack', cardId: live.id, outcome: 'served' })
      const ack = await again.waitFor((e) => e.event === 'ack')
      expect(JSON.parse(ack.data)).toMatchObject({ type: 'ack', cardId: live.id, ack: { outcome: 'served' } })
      again.close()
    })
  })

  describe('keeps resources bounded', () => {
    it('cuts off a device that stops reading, which then replays what it missed', async () => {
      env = await startStaffHub({ staff: { maxBacklogBytes: 64 * 1024 } })
      const token = env.token('sato', ['shibuya'])
      // A raw WebSocket handshake on a TCP socket that then never reads again.
      const port = Number(new URL(env.url).port)
      const socket = connect({ port, host: '127.0.0.1' })
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      socket.write(
        `GET /staff/ws?store=shibuya HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      )
      const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())))
      expect(head).toMatch(/^HTTP\/1\.1 101/)
      socket.pause()
      await expect.poll(() => env!.staff.live.connections).toBe(1)
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      const big = 'x'.repeat(50_000)
      for (let i = 0; i < 400 && env.staff.live.connections > 0; i++) {
        await env.staff.channel.send({ actionId: 'a', storeId: 'shibuya', text: big }, { customerId: `c-${i}`, identifiers: {} }, { idempotencyKey: `k-${i}` })
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5))
      }
      await expect.poll(() => env!.staff.live.connections, { timeout: 5_000 }).toBe(0)
      socket.destroy()
      await closed
      // The cards are still buffered: the device gets them when it reconnects.
      const again = await connectStaffClient(env.url, token)
      clients.push(again)
      expect(again.messages.filter((m) => m.type === 'card').length).toBeGreaterThan(0)
    })

    it('disconnects every device when the hub stops, and erases a customer\'s buffered cards', async () => {
      env = await startStaffHub()
      const a = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
      await env.hub.publish(checkIn('L-1'))
      await env.hub.publish(checkIn('L-2'))
      const { card } = await a.waitFor('card')
      await a.waitFor('card', (m) => m.seq === 2)
      const receipt = await env.hub.erase(card.customerId)
      expect(receipt.removed['staffCards']).toBe(1)
      expect(env.staff.feed.find(card.id)).toBeUndefined()
      expect(env.staff.feed.since('shibuya')).toHaveLength(1)
      const code = new Promise<number>((resolve) => a.socket.once('close', (c) => resolve(c)))
      await env.stop()
      env = undefined
      expect(await code).toBe(1001)
    })
  })
})
