import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { lineChannel, type SurveyInput } from '@omotenashi/channel-line'
import { LineTestServer, signedWebhook, webhookBody } from '@omotenashi/channel-line/testing'
import { createHub, Tokens, VirtualClock, type Decision, type Hub } from '@omotenashi/core'
import { decisioning, loadRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

/** Where the example starts: before the guests are set up. */
export const START = '2026-07-01T00:00:00Z'

/**
 * LINE's Messaging API contract, which the local LINE server checks every request against. It
 * lives beside the checkout (`../shared/contracts` from the repository root) and is not copied
 * in; `OMOTENASHI_LINE_SPEC` points elsewhere.
 */
export const LINE_SPEC = process.env['OMOTENASHI_LINE_SPEC'] ?? fileURLToPath(new URL('../../../../shared/contracts/line/messaging-api.yml', import.meta.url))

/** The evening question: its answers become LINE quick replies, a tap comes back as a postback. */
export const VISIT_SURVEY: SurveyInput = {
  id: 'visit',
  questions: [
    {
      id: 'how',
      text: { ja: '今日はいかがでしたか？', en: 'How was today?' },
      answers: [
        { id: 'great', label: { ja: 'よかった', en: 'Great' } },
        { id: 'hotel_bad', label: { ja: 'ホテルが残念', en: 'Hotel was poor' } },
        { id: 'too_crowded', label: { ja: '混んでいた', en: 'Too crowded' } },
      ],
    },
  ],
}

/** Options of {@link createExampleHub}. */
export interface LeisureHubOptions {
  /** The clock; default a VirtualClock at {@link START}. */
  readonly clock?: VirtualClock
  /** Called with every decision once recorded. */
  readonly onDecision?: (decision: Decision) => void
}

/** The leisure hub, the local LINE server it sends to, and its webhook endpoint. */
export interface LeisureHub {
  readonly hub: Hub
  readonly clock: VirtualClock
  /** The local LINE Messaging API (contract-checked): what guests received. */
  readonly line: LineTestServer
  /** Where LINE posts webhooks to this hub (`POST /webhooks/line` on 127.0.0.1). */
  readonly webhookUrl: string
  /** The channel secret webhooks are signed with (a local test value). */
  readonly channelSecret: string
  /** Posts LINE webhook events, signed as LINE signs them; returns the HTTP status. */
  postWebhook(events: readonly unknown[], options?: { readonly signature?: string }): Promise<number>
  /** Stops the webhook server, the hub and the LINE server. */
  stop(): Promise<void>
}

/**
 * Assembles the leisure operator's hub: memory profiles, the rules in `rules/`, and the real
 * LINE channel (`lineChannel()`) pointed at a local LINE server that speaks and checks LINE's
 * Messaging API; its webhook route is served on 127.0.0.1 so answers come back signed, over
 * HTTP, as from LINE. Started, on a virtual clock.
 */
export async function createExampleHub(options: LeisureHubOptions = {}): Promise<LeisureHub> {
  const clock = options.clock ?? new VirtualClock(START)
  // Local test credentials: the LINE server below accepts only this token.
  const channelAccessToken = 'leisure-example-token'
  const channelSecret = 'leisure-example-secret'
  const line = await LineTestServer.start({ spec: LINE_SPEC, channelAccessToken })
  const rules = await loadRules('rules/*.yaml', { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  const hub = await createHub({
    clock,
    modules: [
      profiles(),
      decisioning({
        rules,
        policies: { quietHours: { from: '21:00', to: '08:00' }, defaultTimeZone: 'Asia/Tokyo' },
        learning: { seed: 6 },
        ...(options.onDecision ? { onDecision: options.onDecision } : {}),
      }),
      lineChannel({ channelAccessToken, channelSecret, baseUrl: line.url, surveys: [VISIT_SURVEY], retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } }),
    ],
  })
  hub.hooks.on('deadletter', (letter) => {
    throw new Error(`dead letter ${letter.event.type} at ${letter.stage}: ${letter.error.message}`)
  })
  const route = hub.container.getAll(Tokens.HttpRoute).find((r) => r.method === 'POST' && r.path === '/webhooks/line')
  if (!route) throw new Error('lineChannel() bound no webhook route')
  const server: Server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === route.path) void route.handle(request, response, {})
    else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${route.path}`
  await hub.start()
  return {
    hub,
    clock,
    line,
    webhookUrl,
    channelSecret,
    async postWebhook(events, post = {}) {
      const signed = signedWebhook(webhookBody(events), channelSecret)
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': post.signature ?? signed.signature },
        body: signed.raw,
      })
      await response.arrayBuffer()
      await hub.drain()
      return response.status
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await hub.stop()
      await line.close()
    },
  }
}
