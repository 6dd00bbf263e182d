/** Rule sets shared by the benchmarks, so that their numbers speak of the same rules. */

/** Pull decisions (bench/server.ts's decide target, bench/decisioning.ts): 3 actions, 2 rules on placement web.home, one reading a segment. */
export const PULL_RULES = `
version: 1
actions:
  - { id: hero-sale, value: 1, placements: [web.home], content: { default: { title: 'Spring sale' } } }
  - { id: hero-new, value: 0.6, placements: [web.home], content: { default: { title: 'New arrivals' } } }
  - { id: hero-vip, value: 2, placements: [web.home], content: { default: { title: 'VIP preview' } } }
segments:
  vip: { profile.traits.tier: { in: [gold] } }
rules:
  - id: home-hero
    when: { placement: web.home }
    do: { actions: [hero-sale, hero-new] }
  - id: home-hero-vip
    when: { placement: web.home, if: { segment: vip } }
    do: { action: hero-vip }
`

/** Event-triggered decisions (bench/nats-worker.ts with WORKLOAD=rules, bench/decisioning.ts): 2 rules on product.viewed. */
export const EVENT_RULES = `
version: 1
actions:
  - { id: browse-nudge, value: 1, channels: [line], content: { default: { text: 'Still thinking about it?' } } }
  - { id: new-arrivals, value: 0.5, channels: [line], content: { default: { text: 'New arrivals' } } }
rules:
  - id: viewed-popular
    when: { event: product.viewed, if: { data.sku: { in: [SKU-1, SKU-2, SKU-3, SKU-4, SKU-5] } } }
    do: { actions: [browse-nudge, new-arrivals] }
  - id: viewed-any
    when: { event: product.viewed, if: { data.sku: { ne: SKU-0 } } }
    do: { action: new-arrivals }
`
