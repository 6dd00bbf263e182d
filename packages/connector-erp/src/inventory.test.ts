import { createHub, Tokens } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { ErpInventory, erpInventory, ErpTokens } from './index.js'

describe('ErpInventory', () => {
  it('answers stock per item and store, and whether to offer the store or online', async () => {
    const inv = new ErpInventory()
    inv.apply('COAT', 'shibuya', { quantity: 0, price: 29000, currency: 'JPY' }, '2026-05-01T00:00:00Z')
    inv.apply('COAT', undefined, { quantity: 12 })
    inv.apply('SCARF', 'shibuya', { quantity: 3 })
    expect(await inv.stock('COAT', 'shibuya')).toEqual({ sku: 'COAT', storeId: 'shibuya', quantity: 0, price: 29000, currency: 'JPY', updatedAt: '2026-05-01T00:00:00Z' })
    expect(await inv.availability('COAT', 'shibuya')).toEqual({ inStore: 0, online: 12, offer: 'online' })
    expect((await inv.availability('SCARF', 'shibuya')).offer).toBe('in_store')
    expect((await inv.availability('SCARF', 'shibuya', 4)).offer).toBe('unavailable')
    expect((await inv.availability('HAT', 'shibuya')).offer).toBe('unknown')
    expect(await inv.canCollect('SCARF', 'shibuya', 2)).toBe(true)
    expect(await inv.canCollect('COAT', 'shibuya')).toBe(false)
    // A later stock-only update keeps the price.
    inv.apply('COAT', 'shibuya', { quantity: 2 })
    expect((await inv.stock('COAT', 'shibuya'))?.price).toBe(29000)
  })

  it('is what decisioning gets for Tokens.Inventory once erpInventory() is in the hub', async () => {
    const hub = await createHub({ modules: [erpInventory()] })
    expect(hub.get(Tokens.Inventory)).toBe(hub.get(ErpTokens.Inventory))
    expect(hub.get(Tokens.Inventory)).toBeInstanceOf(ErpInventory)
  })
})
