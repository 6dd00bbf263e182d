import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OmoEvent, PipelineContext } from '@omotenashi/core'
import { servicesRequired } from '@omotenashi/core/testing'
import type { Profile } from '@omotenashi/profile'
import { ContainerModule } from 'inversify'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startStaffHub, type StaffHub } from '../test-fixtures.js'

const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
// Without Chromium the test skips, unless services are required (CI), where it must fail.
const test = available || servicesRequired ? it : it.skip
const OUTPUT = join(import.meta.dirname, '../../test-output')

/**
 * A hand-made profile served under the ProfileStore token: `@omotenashi/profile`'s `profiles()`
 * module is being built concurrently, and this test is about the console, not profiles.
 */
function vipProfiles(): ContainerModule {
  const t = (d: string): string => `2026-03-${d}T05:00:00.000Z`
  const profile: Profile = {
    id: 'loyaltyId:L-1001', version: 3, createdAt: '2024-04-01T00:00:00.000Z', updatedAt: t('10'),
    identifiers: { loyaltyId: [{ value: 'L-1001', firstSeen: t('01'), lastSeen: t('10') }] },
    traits: { displayName: { value: 'Hanako <b>Yamada</b>', source: 'crm', at: t('01') }, tier: { value: 'Platinum', source: 'crm', at: t('01') } },
    consent: {}, reachability: {},
    interests: { 'SCARF-9': { tried_on: t('05') } },
    answers: [{ surveyId: 's1', questionId: 'fit', question: 'How does the coat fit?', answer: 'A little tight at the shoulders', at: t('08'), source: 'line' }],
    activity: [
      { type: 'order.placed', at: t('03'), value: 59000, sku: 'COAT-1' },
      { type: 'fitting_room.tried_on', at: t('05'), sku: 'SCARF-9', storeId: 'shibuya' },
    ],
    mergedFrom: [],
  }
  return new ContainerModule(({ bind }) => {
    bind(Symbol.for('@omotenashi/profile:ProfileStore')).toConstantValue({ get: async (id: string) => (id === profile.id ? profile : undefined) })
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

  test('shows a card that arrives live and sends an acknowledgement when "Served" is clicked', async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and OMOTENASHI_REQUIRE_SERVICES=1`)
    env = await startStaffHub({ modules: [vipProfiles()] })
    const acks: OmoEvent[] = []
    env.hub.hooks.on('event.processed', (ctx: PipelineContext) => void (ctx.event.type === 'staff.acknowledged' && acks.push(ctx.event)))
    const token = env.token('sato', ['shibuya', 'umeda'])

    userDataDir = mkdtempSync(join(tmpdir(), 'omotenashi-staff-chromium-'))
    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 800 },
    })
    try {
      const page = browser.pages()[0] ?? (await browser.newPage())
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
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
        identity: { customerId: 'loyaltyId:L-1001' },
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
})
