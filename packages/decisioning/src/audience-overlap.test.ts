// Regression: two audience rules fanning out from one price change reach the same customer.
// Each is a separate decision, but they must see each other's sends: one message per moment.
import { describe, expect, it } from 'vitest'
import { parseRules } from './load-rules.js'
import { sends, storyCustomer, storyHub } from './test-support.js'

const rules = parseRules(
  `
version: 1
rules:
  - id: tried-on-dropped
    when: { event: catalog.price_changed }
    audience: { interest: tried_on, item: { ref: data.sku }, within: 30d, unless: purchased }
    do: { action: tried-on-sale }
  - id: viewed-dropped
    when: { event: catalog.price_changed }
    audience: { interest: viewed, item: { ref: data.sku }, within: 30d, unless: purchased }
    do: { action: viewed-sale }
`,
  { file: 'overlap.yaml' },
)

describe('audience rules on one trigger', () => {
  it('send one message per moment to a customer in both audiences', async () => {
    const { hub, clock, channels } = await storyHub({
      rules,
      actions: [
        { id: 'tried-on-sale', channels: ['push'], content: { default: { title: 'The item you tried on is cheaper' } } },
        { id: 'viewed-sale', channels: ['push'], content: { default: { title: 'The item you viewed is cheaper' } } },
      ],
      policies: { moment: '30m', caps: { overall: { day: 5 } } },
    })
    await storyCustomer(hub, 'L-BOTH', { push: true })
    await hub.publish({ type: 'fitting_room.tried_on', source: 'pos', identity: { loyaltyId: 'L-BOTH' }, storeId: 'shibuya', data: { sku: 'X' } })
    await hub.publish({ type: 'product.viewed', source: 'web', identity: { loyaltyId: 'L-BOTH' }, data: { sku: 'X' } })
    await hub.drain()
    await clock.advance(3_600_000)
    await hub.publish({ type: 'catalog.price_changed', source: 'erp', subject: 'X', data: { sku: 'X', oldPrice: 100, newPrice: 80, currency: 'JPY' } })
    await hub.drain()
    await clock.advance(60_000)
    await hub.drain()
    expect(sends(channels).filter((s) => s.endsWith(':L-BOTH'))).toHaveLength(1)
    await hub.stop()
  })
})
