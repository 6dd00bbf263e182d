// Segment's browser SDK (@segment/analytics-next, bundled unchanged with esbuild) in real headless
// Chromium, on a page of another origin, pointed at the server's /v1 through its `apiHost`
// setting: cdnSettings are given, so it never fetches Segment's CDN (any request off 127.0.0.1 is
// aborted and fails the test). Events must reach the profiles.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hub, OmoEvent } from '@omotenashi/core'
import type { ProfileStore } from '@omotenashi/profile'
import type { AnalyticsBrowser } from '@segment/analytics-next'
import { build } from 'esbuild'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { testHub } from '../test-support.js'
import { startTestServer, type TestServer } from '../testing/index.js'

const CHROMIUM = '/usr/bin/chromium'
const required = process.env['OMOTENASHI_REQUIRE_SERVICES'] === '1'

/** The page's globals this test uses (the repo's type check has no DOM library; casts are erased, so they run in the page). */
type PageGlobals = { AnalyticsBrowser: typeof AnalyticsBrowser; navigator: { sendBeacon(url: string, data: Blob): boolean } }

/** Bundles analytics-next for the browser, as a site's build would (an IIFE exposing AnalyticsBrowser). */
async function bundle(): Promise<string> {
  const result = await build({
    stdin: { contents: "import { AnalyticsBrowser } from '@segment/analytics-next'\nwindow.AnalyticsBrowser = AnalyticsBrowser", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

describe.skipIf(!existsSync(CHROMIUM) && !required)('@segment/analytics-next in Chromium', () => {
  let hub: Hub
  let store: ProfileStore
  let server: TestServer
  let site: Server
  let siteUrl: string
  let browser: BrowserContext
  let userDataDir: string
  let accepted: OmoEvent[]
  const offHost: string[] = []
  const sent: Array<{ path: string; contentType: string | null }> = []

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (OMOTENASHI_REQUIRE_SERVICES=1)`)
    const script = await bundle()
    site = createServer((req, res) => {
      if (req.url === '/analytics.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>shop</title><script src="/analytics.js"></script><p>shop</p>')
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    const address = site.address()
    siteUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    ;({ hub, store } = await testHub())
    hub.hooks.on('event.accepted', (e) => accepted.push(e))
    // The page is another origin (another port): the calls are cross-origin, as on a real site.
    server = await startTestServer(hub, { cors: { origins: [siteUrl] } })
    userDataDir = await mkdtemp(join(tmpdir(), 'omotenashi-server-chromium-'))
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    await browser.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith('http://127.0.0.1:')) return route.continue()
      offHost.push(url)
      return route.abort()
    })
    browser.on('request', (request) => {
      if (request.url().startsWith(server.url) && request.method() === 'POST') sent.push({ path: new URL(request.url()).pathname, contentType: request.headers()['content-type'] ?? null })
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await rm(userDataDir, { recursive: true, force: true })
    await server?.close()
    await hub?.stop()
    await new Promise((resolve) => site?.close(resolve))
  })
  beforeEach(() => {
    accepted = []
    sent.length = 0
  })

  async function openPage(): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(siteUrl)
    return page
  }

  async function until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('each call kind goes to its short path (/v1/t, /v1/i, …) as text/plain and reaches the profile', async () => {
    const page = await openPage()
    const apiHost = `${server.url.replace('http://', '')}/v1`
    await page.evaluate(
      async ({ writeKey, apiHost }) => {
        const [analytics] = await (globalThis as unknown as PageGlobals).AnalyticsBrowser.load(
          { writeKey, cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: 'http' } } } },
          { disableClientPersistence: true },
        )
        await analytics.page('Home', { path: '/' })
        await analytics.track('Product Viewed', { product_id: 'SKU-7', price: 9800, currency: 'JPY' })
        // alias before identify: previousId defaults to the anonymous id, which becomes web-u1's.
        await analytics.alias('web-u1')
        await analytics.identify('web-u1', { tier: 'gold', email: 'aiko@example.jp' })
        await analytics.group('family-3', { size: 3 })
        await analytics.screen('Cart')
      },
      { writeKey: server.keys.ingest, apiHost },
    )
    await until(() => accepted.length >= 6, 'six events')
    await hub.drain()
    await page.close()
    expect(offHost).toEqual([])
    expect(sent.map((s) => s.path)).toEqual(['/v1/p', '/v1/t', '/v1/a', '/v1/i', '/v1/g', '/v1/s'])
    expect(new Set(sent.map((s) => s.contentType))).toEqual(new Set(['text/plain']))
    expect(accepted.map((e) => e.type)).toEqual(['page.viewed', 'product.viewed', 'identity.linked', 'profile.traits_updated', 'segment.group', 'screen.viewed'])
    // Every call landed on the one profile the browser's anonymous id resolves to (identify's
    // traits and email, the product view as an interest, all six events applied).
    const anonymousId = accepted[0]!.identity['anonymousId']!
    expect(accepted.every((e) => e.identity['anonymousId'] === anonymousId)).toBe(true)
    const { profileId } = await store.resolve({ anonymousId }, { create: false })
    const profile = (await store.get(profileId!))!
    expect(profile.traits).toMatchObject({ tier: { value: 'gold' } })
    expect(profile.identifiers['email']!.map((i) => i.value)).toEqual(['aiko@example.jp'])
    expect(profile.interests['SKU-7']?.viewed).toBeDefined()
    expect(profile.appliedEventIds).toEqual(accepted.map((e) => e.id))
    // The userId given by identify names the same profile (a signed-in visitor keeps one profile).
    expect((await store.resolve({ customerId: 'web-u1' }, { create: false })).profileId).toBe(profileId)
    // Segment message ids became event ids (dedupe across retries).
    expect(accepted.every((e) => /^ajs-next-/.test(e.id))).toBe(true)
  })

  it('the batching delivery strategy posts to /v1/b; sendBeacon with the write key in the body gets through too', async () => {
    const page = await openPage()
    const apiHost = `${server.url.replace('http://', '')}/v1`
    await page.evaluate(
      async ({ writeKey, apiHost }) => {
        const [analytics] = await (globalThis as unknown as PageGlobals).AnalyticsBrowser.load(
          {
            writeKey,
            cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey, apiHost, protocol: 'http', deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 200 } } } } },
          },
          { disableClientPersistence: true },
        )
        void analytics.identify('web-u2', { tier: 'silver' })
        void analytics.track('Product Added', { product_id: 'SKU-8', quantity: 2 })
        void analytics.track('Wishlist Opened')
      },
      { writeKey: server.keys.ingest, apiHost },
    )
    await until(() => accepted.length >= 3, 'the batch')
    // The batch is one request: its answer reports each message (the SDK ignores the body; we check it is a full success).
    expect(sent.map((s) => s.path)).toEqual(['/v1/b'])
    expect(accepted.map((e) => e.type)).toEqual(['profile.traits_updated', 'cart.item_added', 'segment.track'])
    // sendBeacon: no headers at all, a text/plain body holding the write key (no CORS preflight).
    const queued = await page.evaluate(
      ({ url, writeKey }) => (globalThis as unknown as PageGlobals).navigator.sendBeacon(url, new Blob([JSON.stringify({ writeKey, userId: 'web-u2', event: 'Page Left', messageId: 'beacon-1' })], { type: 'text/plain' })),
      { url: `${server.url}/v1/t`, writeKey: server.keys.ingest },
    )
    expect(queued).toBe(true)
    await until(() => accepted.some((e) => e.id === 'beacon-1'), 'the beacon')
    await hub.drain()
    await page.close()
    expect(offHost).toEqual([])
    const { profileId } = await store.resolve({ anonymousId: accepted[0]!.identity['anonymousId']! }, { create: false })
    const profile = (await store.get(profileId!))!
    expect(profile.traits).toMatchObject({ tier: { value: 'silver' } })
    expect(profile.interests['SKU-8']).toBeDefined()
  })
})
