// The demo pages in real Chromium: a VIP checks in and a card arrives on the staff console; the
// decision-log page shows why (the winner, and the candidate a policy blocked, with the policy).
// Screenshots go to examples/fashion-retail/test-output/ (git-ignored).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { OmoEvent } from '@omotenashi/core'
import { hashApiKey, omotenashiServer } from '@omotenashi/server'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { createFashionHub, type FashionHub } from './hub.js'
import { DAY, purchase } from './simulate.js'
import { at, erpFile, member, play } from './test-support.js'

const CHROMIUM = '/usr/bin/chromium'
const required = process.env['OMOTENASHI_REQUIRE_SERVICES'] === '1'
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url))

function launch(userDataDir: string) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 860 },
  })
}

describe.skipIf(!existsSync(CHROMIUM) && !required)('demo pages in Chromium', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  it('a card arrives on the staff console; the decision log shows the winner and the blocked candidate with its policy', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (OMOTENASHI_REQUIRE_SERVICES=1)`)
    const f: FashionHub = await createFashionHub()
    cleanup.push(() => f.stop())
    const key = 'demo_browser_test_key_0123456789'
    const app = await omotenashiServer(f.hub, { apiKeys: [{ name: 'test', sha256: hashApiKey(key), scopes: ['read'] }], logger: false })
    cleanup.push(() => app.close())
    const url = await app.listen({ port: 0, host: '127.0.0.1' })

    // Hanako bought the coat five days ago; this afternoon the ERP put it on sale.
    await erpFile(f, 'baseline.csv')
    const vip = await member(f, 'FR-0001', { name: 'Hanako Yamada', tier: 'platinum', push: true })
    await at(f, '2026-11-16', '14:10')
    await play(f, purchase(vip, 'shibuya', 'COAT-001', 'T-1'))
    await at(f, DAY, '09:20')
    await play(f, { type: 'product.viewed', source: 'web', identity: vip, data: { sku: 'COAT-001' } })
    await at(f, DAY, '15:00')
    await erpFile(f, 'afternoon.csv', { 'COAT-001': 29_800 })
    await at(f, DAY, '15:45')

    await mkdir(OUT, { recursive: true })
    const userDataDir = await mkdtemp(join(tmpdir(), 'omotenashi-fashion-chromium-'))
    cleanup.push(() => rm(userDataDir, { recursive: true, force: true }))
    const browser = await launch(userDataDir)
    cleanup.push(() => browser.close())
    const console = browser.pages()[0] ?? (await browser.newPage())
    await console.goto(`${url}/staff/console`)
    await console.fill('#token', f.staffToken('sato', 'shibuya'))
    await console.click('#sign-in')
    await console.waitForSelector('#status[data-state="live"]', { timeout: 10_000 })

    // She checks in at Shibuya: the card arrives live.
    await play(f, { type: 'store.checked_in', source: 'app', identity: vip, storeId: 'shibuya', data: { method: 'app' } })
    const card = console.locator('article.card')
    await card.first().waitFor({ timeout: 5_000 })
    expect(await card.count()).toBe(1)
    await expect.poll(() => card.locator('.suggestion').textContent()).toBe('Ask how they like the wool Chester coat they bought 5 days ago')
    expect(await card.textContent()).toContain('Do not mention that it is on sale now')
    expect(await card.textContent()).toContain('Hanako Yamada')
    await console.screenshot({ path: join(OUT, 'staff-console.png'), fullPage: true })

    // "Served" becomes a staff.acknowledged event about her.
    const acknowledged = new Promise<OmoEvent>((resolve) => f.hub.hooks.on('event.accepted', (e) => e.type === 'staff.acknowledged' && resolve(e)))
    await card.getByRole('button', { name: 'Served' }).click()
    const ack = await acknowledged
    expect(ack).toMatchObject({ storeId: 'shibuya', identity: { customerId: await f.customerId('FR-0001') }, data: { outcome: 'served', staffId: 'sato' } })

    // The decision log says why: the restraint card won, the sale pitch was blocked by a policy.
    const log = await browser.newPage()
    await log.goto(`${url}/demo/decisions#key=${key}`)
    await log.waitForSelector('#status[data-state="live"]', { timeout: 10_000 })
    // The check-in made two decisions: the staff card (now) and the evening question (a wait, deferred).
    const checkIn = log.locator('article.decision', { has: log.locator('.trigger', { hasText: /^store\.checked_in$/ }) }).filter({ has: log.locator('tr[data-status="won"]') })
    await checkIn.first().waitFor({ timeout: 5_000 })
    expect(await checkIn.locator('.who').textContent()).toBe('Hanako Yamada · FR-0001')
    expect(await checkIn.locator('tr[data-status="won"] .action').textContent()).toBe('vip-ask-how-they-like-it')
    const blocked = checkIn.locator('tr[data-status="blocked"]')
    expect(await blocked.locator('.action').textContent()).toBe('vip-sale-pitch')
    expect(await blocked.locator('.policy').textContent()).toBe('suppression.bought_recently')
    expect(await blocked.locator('.reasons').textContent()).toMatch(/bought COAT-001 .*not promoted again/)
    expect(await checkIn.locator('[data-role="outcome"]').textContent()).toBe('WON vip-ask-how-they-like-it via staff')
    // Her price-drop decision (the sale message blocked, nothing sent) is there too, and the filter finds it.
    await log.fill('#filter', 'sale-on-viewed')
    await log.check('#blocked-only')
    const filtered = log.locator('article.decision')
    await expect.poll(() => filtered.count()).toBe(1)
    expect(await filtered.locator('.trigger').textContent()).toBe('catalog.price_changed+audience')
    expect(await filtered.locator('tr[data-status="blocked"] .policy').textContent()).toBe('suppression.bought_recently')
    expect(await filtered.locator('[data-role="outcome"]').textContent()).toBe('nothing sent')
    await log.screenshot({ path: join(OUT, 'decision-log-filtered.png'), fullPage: true })
    await log.fill('#filter', '')
    await log.uncheck('#blocked-only')
    await log.screenshot({ path: join(OUT, 'decision-log.png'), fullPage: true })

    // Without the key, the page says what to do instead of showing data.
    const anonymous = await browser.newPage()
    await anonymous.goto(`${url}/demo/decisions`)
    await anonymous.waitForSelector('#status[data-state="error"]', { timeout: 10_000 })
    expect(await anonymous.textContent('#status')).toMatch(/needs the read key/)
    expect(await anonymous.locator('article.decision').count()).toBe(0)
  }, 60_000)

  it('npm start\'s pages: the printed console URL and token show live cards; the printed decision-log URL shows why; Ctrl-C stops it', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (OMOTENASHI_REQUIRE_SERVICES=1)`)
    const root = fileURLToPath(new URL('../../..', import.meta.url))
    const child = spawn(process.execPath, ['--conditions=@omotenashi/source', '--import', 'tsx', 'examples/fashion-retail/src/main.ts'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    })
    await expect.poll(() => out, { timeout: 60_000, interval: 200 }).toMatch(/Ctrl-C to stop/)
    const consoleUrl = /Staff console +(http:\/\/\S+)/.exec(out)![1]!
    const logUrl = /Decision log +(http:\/\/\S+)/.exec(out)![1]!
    const tokens = [...out.matchAll(/device token \((\w+) *\) (stf1\.\S+)/g)].map((m) => ({ store: m[1]!, token: m[2]! }))
    expect(tokens.map((t) => t.store)).toEqual(['shibuya', 'umeda', 'shibuya', 'umeda'])

    const userDataDir = await mkdtemp(join(tmpdir(), 'omotenashi-fashion-chromium-'))
    cleanup.push(() => rm(userDataDir, { recursive: true, force: true }))
    const browser = await launch(userDataDir)
    cleanup.push(() => browser.close())
    // One console per store, signed in with the printed tokens: a VIP walks in every five seconds.
    const pages = []
    for (const { store, token } of tokens.slice(0, 2)) {
      const page = await browser.newPage()
      await page.goto(consoleUrl)
      await page.fill('#token', token)
      await page.click('#sign-in')
      await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 })
      expect(await page.textContent('#who')).toBe(`staff-${store} @ ${store}`)
      pages.push(page)
    }
    const first = await Promise.race(pages.map((page, i) => page.locator('article.card').first().waitFor({ timeout: 40_000 }).then(() => i)))
    const card = pages[first]!.locator('article.card').first()
    expect(await card.locator('.suggestion').textContent()).toMatch(/\S/)
    expect(await card.textContent()).toMatch(/\((gold|platinum)\) just checked in/)
    await pages[first]!.screenshot({ path: join(OUT, 'npm-start-staff-console.png'), fullPage: true })

    const log = await browser.newPage()
    await log.goto(logUrl)
    await log.waitForSelector('#status[data-state="live"]', { timeout: 10_000 })
    await log.check('#blocked-only')
    const blocked = log.locator('article.decision tr[data-status="blocked"]')
    await blocked.first().waitFor({ timeout: 10_000 })
    expect(await blocked.first().locator('.policy').textContent()).toMatch(/^[a-z_.]+$/)
    expect(await log.locator('article.decision tr[data-status="won"]').count()).toBeGreaterThan(0)
    await log.screenshot({ path: join(OUT, 'npm-start-decision-log.png') })
    // One customer's decisions: Hanako's day (the restraint at her check-in) and this morning's visit.
    await log.uncheck('#blocked-only')
    await log.fill('#customer', 'FR-0001')
    await log.press('#customer', 'Enter')
    await expect.poll(async () => [...new Set(await log.locator('article.decision .who').allTextContents())]).toEqual(['Hanako Yamada · FR-0001'])
    expect(await log.locator('article.decision', { has: log.locator('tr[data-status="blocked"] .policy', { hasText: 'suppression.bought_recently' }) }).count()).toBeGreaterThan(0)
    await log.screenshot({ path: join(OUT, 'npm-start-decision-log-hanako.png'), fullPage: true })

    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).toMatch(/Stopping…/)
  }, 120_000)
})
