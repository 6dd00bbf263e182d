import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OmoEvent, PipelineContext } from '@omotenashi/core'
import { servicesRequired } from '@omotenashi/core/testing'
import { profiles } from '@omotenashi/profile'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { loanDecider, startStaffHub, TEST_API_KEY, type StaffHub } from '../test-fixtures.js'

const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
// Without Chromium the test skips, unless services are required (CI), where it must fail.
const test = available || servicesRequired ? it : it.skip
const OUTPUT = join(import.meta.dirname, '../../test-output')

/** The VIP's history, as events: the profile the card is built from comes from these. */
const history = [
  { type: 'profile.traits_updated', source: 'pos', time: '2026-03-01T05:00:00Z', data: { traits: { displayName: 'Hanako <b>Yamada</b>', tier: 'Platinum' } } },
  { type: 'order.placed', source: 'web', time: '2026-03-03T05:00:00Z', data: { orderId: 'o-1', items: [{ sku: 'COAT-1', quantity: 1, unitPrice: 59000 }], total: 59000, currency: 'JPY' } },
  { type: 'fitting_room.tried_on', source: 'pos', time: '2026-03-05T05:00:00Z', storeId: 'shibuya', data: { sku: 'SCARF-9' } },
  { type: 'survey.answered', source: 'line', time: '2026-03-08T05:00:00Z', data: { surveyId: 's1', questionId: 'fit', question: 'How does the coat fit?', answer: 'A little tight at the shoulders' } },
] as const

/** Chromium with a fresh profile directory, headless, no network of its own. */
function launch(userDataDir: string) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1000, height: 800 },
  })
}

describe('staff console in Chromium', () => {
  let env: StaffHub | undefined
  let userDataDir: string | undefined
  afterEach(async () => {
    await env?.stop()
    env = undefined
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
  })

  /** A page in a fresh headless Chromium (its profile removed after the test), collecting uncaught page errors. */
  async function openPage() {
    userDataDir = mkdtempSync(join(tmpdir(), 'omotenashi-staff-chromium-'))
    const browser = await launch(userDataDir)
    const page = browser.pages()[0] ?? (await browser.newPage())
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    return { browser, page, errors }
  }

  test('shows a card that arrives live and sends an acknowledgement when "Served" is clicked', async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and OMOTENASHI_REQUIRE_SERVICES=1`)
    env = await startStaffHub({ modules: [profiles()] })
    for (const e of history) await env.hub.publish({ ...e, identity: { loyaltyId: 'L-1001' } })
    await env.hub.drain()
    const acks: OmoEvent[] = []
    env.hub.hooks.on('event.processed', (ctx: PipelineContext) => void (ctx.event.type === 'staff.acknowledged' && acks.push(ctx.event)))
    const token = env.token('sato', ['shibuya', 'umeda'])

    const { browser, page, errors } = await openPage()
    try {
      await page.goto(`${env.url}/staff/console`)
      await page.fill('#token', token)
      await page.selectOption('#store', 'shibuya')
      await page.click('#sign-in')
      await page.waitForSelector('#status[data-state="live"]', { timeout: 5_000 })
      expect(await page.isHidden('#sign-in-form')).toBe(true)
      expect(await page.textContent('#who')).toBe('sato @ shibuya')

      // A check-in at the other store shows nothing here; one at this store shows its card.
      await env.hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-2002' }, storeId: 'umeda' })
      await env.hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-1001' }, storeId: 'shibuya' })
      const card = page.locator('article.card')
      await card.first().waitFor({ timeout: 2_000 })
      await env.hub.drain()
      await page.waitForTimeout(100)
      expect(await card.count()).toBe(1)
      await expect.poll(() => card.locator('.suggestion').textContent()).toBe('Ask how the coat bought last week fits')
      expect(await card.locator('.avoid').textContent()).toBe('Do not mention the coat sale')
      // Customer data is shown as text, never parsed as HTML.
      expect(await card.locator('.name').textContent()).toBe('Hanako <b>Yamada</b>')
      expect(await card.locator('.name b').count()).toBe(0)
      expect(await card.locator('.tier').textContent()).toBe('Platinum')
      expect(await card.textContent()).toContain('A little tight at the shoulders')
      expect(await card.textContent()).toContain('SCARF-9')
      mkdirSync(OUTPUT, { recursive: true })
      await page.screenshot({ path: join(OUTPUT, 'staff-console-card.png'), fullPage: true })

      await card.locator('input').fill('Asked about the coat fit')
      await card.locator('button[data-action="served"]').click()
      await expect.poll(() => acks.length, { timeout: 3_000 }).toBe(1)
      expect(acks[0]).toMatchObject({
        source: 'staff',
        storeId: 'shibuya',
        identity: { customerId: expect.any(String) },
        data: { staffId: 'sato', outcome: 'served', note: 'Asked about the coat fit', actionId: 'vip-greet' },
      })
      await expect.poll(() => card.locator('.acks').textContent()).toBe('Served by sato: Asked about the coat fit')
      expect(await card.getAttribute('class')).toContain('done')
      await page.screenshot({ path: join(OUTPUT, 'staff-console-served.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  test('the agent page shows the same card for a caller by phone, with why, and records the response', async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and OMOTENASHI_REQUIRE_SERVICES=1`)
    env = await startStaffHub({ modules: [profiles(), loanDecider()] })
    const caller = { phone: '+81312345678', loyaltyId: 'B-77' }
    await env.hub.publish({ type: 'profile.traits_updated', source: 'pos', identity: caller, data: { traits: { displayName: 'Ichiro Suzuki', tier: 'Gold' } } })
    await env.hub.publish({ type: 'page.viewed', source: 'web', identity: caller, data: { path: '/card-loan' } })
    await env.hub.drain()
    const responded: OmoEvent[] = []
    env.hub.hooks.on('event.processed', (ctx: PipelineContext) => void (ctx.event.type === 'offer.responded' && responded.push(ctx.event)))

    const { browser, page, errors } = await openPage()
    try {
      await page.goto(`${env.url}/staff/agent`)
      await page.fill('#api-key', TEST_API_KEY)
      await page.selectOption('#kind', 'phone')
      await page.fill('#value', '03-1234-5678')
      await page.click('#look-up')
      const card = page.locator('article.card')
      await card.waitFor({ timeout: 3_000 })
      expect(await card.locator('.name').textContent()).toBe('Ichiro Suzuki')
      expect(await card.locator('.suggestion').textContent()).toBe('Offer the card loan: they read its pages this week')
      expect(await card.locator('.why').textContent()).toContain('viewed /card-loan 1 time in 7 days')
      mkdirSync(OUTPUT, { recursive: true })
      await page.screenshot({ path: join(OUTPUT, 'agent-card.png'), fullPage: true })
      await card.locator('button[data-action="accepted"]').click()
      await expect.poll(() => responded.length, { timeout: 3_000 }).toBe(1)
      expect(responded[0]).toMatchObject({ data: { actionId: 'offer-card-loan', response: 'accepted', decisionId: 'pull-1' } })
      await expect.poll(() => card.locator('.acks').textContent()).toBe('Recorded: accepted')
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
