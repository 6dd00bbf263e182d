// The official Segment and RudderStack Node SDKs, unchanged, pointed at a real server on 127.0.0.1.
import RudderAnalytics from '@rudderstack/rudder-sdk-node'
import { Analytics as SegmentAnalytics } from '@segment/analytics-node'
import { expect, it } from 'vitest'
import { serverPerTest } from '../test-support.js'

const ctx = serverPerTest()

it('@segment/analytics-node delivers every call kind; events reach the hub and the profiles', async () => {
  const analytics = new SegmentAnalytics({ writeKey: ctx.server.keys.ingest, host: ctx.server.url, flushAt: 20, flushInterval: 50, maxRetries: 0 })
  const errors: unknown[] = []
  analytics.on('error', (e) => errors.push(e))
  analytics.identify({ userId: 'seg-u1', traits: { name: 'Hanako', tier: 'gold', email: 'hanako@example.jp' } })
  analytics.track({ userId: 'seg-u1', event: 'Product Viewed', properties: { product_id: 'SKU-1', price: 1200, currency: 'JPY' } })
  analytics.track({ userId: 'seg-u1', event: 'Newsletter Opened', properties: { issue: 42 } })
  analytics.page({ anonymousId: 'seg-anon-1', name: 'Home', properties: { url: 'https://shop.example.jp/', path: '/' } })
  analytics.screen({ userId: 'seg-u1', name: 'Cart' })
  analytics.alias({ userId: 'seg-u1', previousId: 'seg-anon-1' })
  analytics.group({ userId: 'seg-u1', groupId: 'family-7', traits: { size: 4 } })
  await analytics.closeAndFlush({ timeout: 5000 })
  await ctx.hub.drain()
  expect(errors).toEqual([])
  expect(ctx.accepted.filter((e) => e.source !== 'system').map((e) => e.type).sort()).toEqual(
    ['identity.linked', 'page.viewed', 'product.viewed', 'profile.traits_updated', 'screen.viewed', 'segment.group', 'segment.track'].sort(),
  )
  const viewed = ctx.accepted.find((e) => e.type === 'product.viewed')!
  expect(viewed.data).toMatchObject({ sku: 'SKU-1', price: 1200, currency: 'JPY' })
  expect(viewed.identity).toEqual({ customerId: 'seg-u1' })
  const identified = ctx.accepted.find((e) => e.type === 'profile.traits_updated')!
  expect(identified.identity).toEqual({ customerId: 'seg-u1', email: 'hanako@example.jp' })
  // On the profile (@omotenashi/profile's memory store): traits from identify, the email linked,
  // the anonymous browsing merged in by alias, the product view as an interest.
  const profile = (await ctx.store.get('seg-u1'))!
  expect(profile.traits).toMatchObject({ name: { value: 'Hanako' }, tier: { value: 'gold' } })
  expect(profile.identifiers['email']!.map((i) => i.value)).toEqual(['hanako@example.jp'])
  expect(profile.identifiers['anonymousId']!.map((i) => i.value)).toEqual(['seg-anon-1'])
  expect(profile.interests['SKU-1']?.viewed).toBeDefined()
  expect((await ctx.store.resolve({ anonymousId: 'seg-anon-1' }, { create: false })).profileId).toBe(profile.id)
  // Segment message ids became event ids: a resend would be a duplicate.
  for (const e of ctx.accepted) expect(e.id).toMatch(/.+/)
})

it('@rudderstack/rudder-sdk-node delivers (gzip batches) to the same endpoints', async () => {
  const client = new RudderAnalytics(ctx.server.keys.ingest, { dataPlaneUrl: ctx.server.url, flushAt: 50, flushInterval: 100000, retryCount: 0, logLevel: 'error' })
  client.identify({ userId: 'rs-u1', traits: { plan: 'premium' } })
  client.track({ userId: 'rs-u1', event: 'Order Completed', properties: { order_id: 'O-9', total: 5400, currency: 'JPY', products: [{ product_id: 'SKU-2', price: 2700, quantity: 2 }] } })
  client.page({ anonymousId: 'rs-anon', name: 'Landing', properties: { path: '/lp' } })
  client.screen({ userId: 'rs-u1', name: 'Home' })
  client.alias({ userId: 'rs-u1', previousId: 'rs-anon' })
  client.group({ userId: 'rs-u1', groupId: 'corp-1' })
  await new Promise<void>((resolve, reject) => {
    void client.flush((error?: unknown) => (error ? reject(error as Error) : resolve()))
  })
  await ctx.hub.drain()
  expect(ctx.accepted.filter((e) => e.source !== 'system').map((e) => e.type).sort()).toEqual(['identity.linked', 'order.placed', 'page.viewed', 'profile.traits_updated', 'screen.viewed', 'segment.group'].sort())
  expect(ctx.accepted.find((e) => e.type === 'order.placed')!.data).toMatchObject({ orderId: 'O-9', total: 5400, items: [{ sku: 'SKU-2', unitPrice: 2700, quantity: 2 }] })
  const profile = (await ctx.store.get('rs-u1'))!
  expect(profile.traits).toMatchObject({ plan: { value: 'premium' } })
  expect(profile.interests['SKU-2']?.purchased).toBeDefined()
  // The anonymous page view and the user are one person now (whichever profile survived the merge).
  expect((await ctx.store.resolve({ anonymousId: 'rs-anon' }, { create: false })).profileId).toBe(profile.id)
})

it('a wrong write key is refused and nothing reaches the hub', async () => {
  const analytics = new SegmentAnalytics({ writeKey: 'not-a-key', host: ctx.server.url, flushAt: 1, maxRetries: 0 })
  const errors: unknown[] = []
  analytics.on('error', (e) => errors.push(e))
  analytics.track({ userId: 'x', event: 'Clicked' })
  await analytics.closeAndFlush({ timeout: 5000 })
  expect(errors.length).toBeGreaterThan(0)
  expect(ctx.accepted).toHaveLength(0)
})
