// docs/profiles.md: "The reducer" and "Computed traits"
import type { OmoEvent } from '@omotenashi/core'
import { applyEvent, computeTraits, createProfile, defineComputedTraits, ProfileRules } from '@omotenashi/profile'

export function reducerAndTraits() {
  const rules = new ProfileRules()
  const event = (type: string, time: string, data: Record<string, unknown>, storeId?: string): OmoEvent => ({
    id: `${type}@${time}`, type, source: 'pos', time, identity: {}, data, ...(storeId ? { storeId } : {}),
  })
  let profile = createProfile('c-1', '2026-01-01T00:00:00.000Z', rules)
  for (const e of [
    event('pos.purchased', '2025-12-20T03:00:00.000Z', { transactionId: 't1', items: [{ sku: 'BAG-1', quantity: 1, unitPrice: 30000 }], total: 30000, currency: 'JPY' }, 'umeda'),
    event('pos.purchased', '2026-03-20T03:00:00.000Z', { transactionId: 't2', items: [{ sku: 'TEE-9', quantity: 2, unitPrice: 5000 }], total: 10000, currency: 'JPY' }, 'shibuya'),
    event('consent.changed', '2026-03-21T00:00:00.000Z', { channel: 'email', purpose: 'marketing', granted: false }),
    event('message.failed', '2026-03-22T00:00:00.000Z', { channel: 'push', permanent: true, unreachable: true, reason: 'token expired' }),
  ]) profile = applyEvent(profile, e, rules)

  const definitions = defineComputedTraits([
    { name: 'purchases_90d', aggregate: 'count', events: ['pos.purchased', 'order.placed'], window: '90d' },
    { name: 'avgBasket', aggregate: 'avg', events: ['pos.purchased', 'order.placed'] },
    { name: 'stores_365d', aggregate: 'distinct', events: ['pos.purchased'], field: 'storeId', window: '365d' },
  ])
  const traits = computeTraits(profile, definitions, Date.parse('2026-04-01T00:00:00Z'))
  return { profile, traits }
}
