import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type MemoryInventory, seededRandom, Tokens } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { unitHash } from './hashing.js'
import { decisioning } from './module.js'
import { RulesError } from './rules-error.js'
import { DecisioningTokens } from './tokens.js'
import { sends, storyCustomer, storyHub } from './test-support.js'
import { ResponseModel } from './response-model.js'

const offer = { id: 'offer', channels: ['push'], content: { default: { title: 'Offer' } } }

describe('decisioning() module', () => {
  it('refuses bad rules before the hub is built, listing every problem', () => {
    const error = (() => {
      try {
        decisioning({
          actions: [offer, { id: 'bad', channels: ['push'], holdout: 2, cooldown: 'often' }],
          rules: [
            { id: 'r1', when: { event: 'page.viewed', if: { 'data.x': { like: 1 } } }, do: { action: 'ghost' } },
            { id: 'r2', when: { event: 'page.viewed' }, do: { action: 'offer' }, wait: { for: '2h', cancelOn: [{ event: 'order.picked_up', same: 'nowhere.id' }] } },
          ],
        })
      } catch (e) {
        return e
      }
    })() as RulesError
    expect(error).toBeInstanceOf(RulesError)
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^actions\.1\.cooldown: must be a duration/),
      expect.stringMatching(/^actions\.1\.holdout: Too big/),
      expect.stringMatching(/^rules\.0\.when\.if\.data\.x\.like: unknown operator "like"/),
      expect.stringMatching(/^rules\.0\.do\.action: unknown action "ghost"/),
      expect.stringMatching(/^rules\.1\.wait\.cancelOn\.0\.same: "nowhere\.id" must start with one of/),
    ])
  })

  it('validates its options and policies, naming the field', () => {
    expect(() => decisioning({ policies: { quietHours: { from: '9pm', to: '08:00' } } })).toThrow(/policies\.quietHours\.from/)
    expect(() => decisioning({ policies: { defaultTimeZone: 'Mars/Olympus' } })).toThrow(/policies\.defaultTimeZone: unknown IANA time zone/)
    expect(() => decisioning({ maxAudience: -1 })).toThrow(/maxAudience/)
  })

  it('a running hub keeps its last good rules when a reload fails, and takes good ones', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'omotenashi-reload-'))
    await writeFile(join(cwd, 'a.yaml'), 'id: nudge\nwhen: { event: geofence.entered }\ndo: { action: offer }\n')
    const { hub, clock, channels } = await storyHub({ rules: '*.yaml', cwd, actions: [offer, { ...offer, id: 'offer-2' }], policies: { moment: '1m' } })
    const who = await storyCustomer(hub, 'R', { push: true })
    const registry = hub.get(DecisioningTokens.RulesRegistry)
    expect(registry.current.rules.map((r) => r.id)).toEqual(['nudge'])
    await writeFile(join(cwd, 'a.yaml'), 'id: nudge\nwhen: { event: geofence.entered, if: { data.x: { oops: 1 } } }\ndo: { action: offer-3 }\n')
    const error = await registry.reload().catch((e: unknown) => e)
    expect((error as RulesError).problems.map((p) => p.path)).toEqual(['when.if.data.x.oops', 'do.action'])
    expect(registry.lastError).toBe(error)
    await hub.publish({ type: 'geofence.entered', source: 'app', identity: who, data: { geofenceId: 'g' } })
    await hub.drain()
    expect(sends(channels)).toEqual(['push:offer:R'])
    await writeFile(join(cwd, 'a.yaml'), 'id: nudge\nwhen: { event: geofence.entered }\ndo: { action: offer-2 }\n')
    expect(await registry.reload()).toEqual({ version: 3, rules: 1 })
    await clock.advance(2 * 60_000)
    await hub.publish({ type: 'geofence.entered', source: 'app', identity: who, data: { geofenceId: 'g' } })
    await hub.drain()
    expect(sends(channels)).toEqual(['push:offer:R', 'push:offer-2:R'])
    await hub.stop()
  })

  it('holds out a deterministic share per customer × action: recorded, not sent, outcomes kept apart', async () => {
    const { hub, channels } = await storyHub({
      actions: [{ ...offer, holdout: 0.3 }],
      rules: [{ id: 'r', when: { event: 'geofence.entered' }, do: { action: 'offer' } }],
    })
    const ids: string[] = []
    for (let i = 0; i < 40; i++) {
      const who = await storyCustomer(hub, `H${i}`, { push: true })
      await hub.publish({ type: 'geofence.entered', source: 'app', identity: who, data: { geofenceId: 'g' } })
      ids.push((await hub.get(Tokens.IdentityResolver).resolve(who, { create: false }))!)
    }
    await hub.drain()
    const held = ids.filter((id) => unitHash(`${id}\u0000offer`) < 0.3)
    expect(held.length).toBeGreaterThan(0)
    expect(channels.push.sent).toHaveLength(40 - held.length)
    for (const id of held) {
      const [decision] = await hub.get(Tokens.DecisionLog).list(id, { limit: 1 })
      expect(decision).toMatchObject({ holdout: true, actions: [] })
      expect(decision!.candidates[0]?.status).toBe('holdout')
    }
    const stats = hub.get(DecisioningTokens.ResponseModel).stats('offer')
    expect(stats).toMatchObject({ trials: 40 - held.length, holdoutTrials: held.length })
    await hub.stop()
  })

  it('reads stock from the Inventory port and context providers, only for rules that need them', async () => {
    let weatherCalls = 0
    const { hub, channels } = await storyHub({
      actions: [{ ...offer, content: { default: { title: '{{data.sku}} in stock at {{context.store}}' } } }, { id: 'rainy', channels: ['push'] }],
      rules: [
        { id: 'in-stock', when: { event: 'product.viewed', if: { stock: { item: { ref: 'data.sku' }, store: 'shibuya', gt: 0 } } }, do: { action: 'offer' } },
        { id: 'rain', when: { event: 'page.viewed', if: { 'context.weather': 'rain' } }, do: { action: 'rainy' } },
      ],
      contextProviders: { weather: () => (weatherCalls++, 'rain') },
      stores: { shibuya: { lat: 35.658, lon: 139.7016, timeZone: 'Asia/Tokyo' } },
      policies: { moment: '1m' },
    })
    // The hub's embedded Inventory (connector-erp binds a real one).
    const bound = hub.get(Tokens.Inventory) as MemoryInventory
    bound.set({ sku: 'coat-1', storeId: 'shibuya', quantity: 2 })
    const who = await storyCustomer(hub, 'S', { push: true })
    await hub.publish({ type: 'product.viewed', source: 'web', identity: who, storeId: 'shibuya', data: { sku: 'coat-1' } })
    await hub.publish({ type: 'product.viewed', source: 'web', identity: who, storeId: 'shibuya', data: { sku: 'coat-9' } })
    await hub.drain()
    expect(channels.push.sent.map((s) => s.message.title)).toEqual(['coat-1 in stock at shibuya'])
    expect(weatherCalls).toBe(0)
    await hub.publish({ type: 'page.viewed', source: 'web', identity: who, data: {} })
    await hub.drain()
    expect(weatherCalls).toBe(1)
    await hub.stop()
  })

  it('answers pull decisions top-k with placement filters, sends nothing, and records them', async () => {
    const { hub, channels } = await storyHub({
      actions: [
        { id: 'hero-a', value: 3, propensity: 0.5, placements: ['web.home_hero'], content: { default: { title: 'A' } } },
        { id: 'hero-b', value: 2, propensity: 0.5, content: { default: { title: 'B' } } },
        { id: 'hero-c', value: 1, propensity: 0.5, content: { default: { title: 'C' } } },
        { id: 'app-only', value: 9, propensity: 0.5, placements: ['app.home'] },
      ],
      rules: [{ id: 'home', when: { placement: ['web.home_hero', 'app.home'] }, do: { actions: ['hero-a', 'hero-b', 'hero-c', 'app-only'] } }],
    })
    const who = await storyCustomer(hub, 'W', { push: true })
    const answer = await hub.decide({ identity: who, placement: 'web.home_hero', limit: 2 })
    expect(answer.actions.map((a) => [a.actionId, a.message.title, a.score])).toEqual([
      ['hero-a', 'A', 1.5],
      ['hero-b', 'B', 1],
    ])
    expect(answer.decision.candidates.find((c) => c.actionId === 'app-only')).toMatchObject({ status: 'ineligible', policy: 'placement' })
    expect(answer.decision.candidates.find((c) => c.actionId === 'hero-c')?.reasons.join(' ')).toMatch(/below the top 2/)
    expect(channels.push.sent).toHaveLength(0)
    const logged = await hub.get(Tokens.DecisionLog).list(answer.decision.customerId)
    expect(logged[0]?.id).toBe(answer.decision.id)
    // An unknown visitor gets an answer too (no profile), and a bad request names its field.
    const anonymous = await hub.decide({ identity: { anonymousId: 'a-1' }, placement: 'web.home_hero' })
    expect(anonymous.actions[0]?.actionId).toBe('hero-a')
    expect(anonymous.decision.customerId).toBe('anonymousId:a-1')
    await expect(hub.decide({ identity: {}, placement: 'web.home_hero' })).rejects.toThrow(/identity/)
    await hub.stop()
  })

  it('fans out bounded and streamed: pages of members, capped at maxAudience', async () => {
    const { hub, channels } = await storyHub({
      actions: [{ id: 'drop', channels: ['push'], item: { ref: 'data.sku' } }],
      rules: [{ id: 'fan', when: { event: 'inventory.back_in_stock' }, audience: { interest: 'viewed', item: { ref: 'data.sku' } }, do: { action: 'drop' } }],
      maxAudience: 7,
      fanOutPage: 3,
    })
    for (let i = 0; i < 10; i++) {
      const who = await storyCustomer(hub, `F${i}`, { push: true })
      await hub.publish({ type: 'product.viewed', source: 'web', identity: who, data: { sku: 'Z' } })
    }
    await hub.drain()
    const continued: string[] = []
    hub.hooks.on('event.accepted', (e) => void (e.type === 'decisioning.fanout_continued' && continued.push(String(e.data['offset']))))
    await hub.publish({ type: 'inventory.back_in_stock', source: 'erp', subject: 'Z', data: { sku: 'Z', quantity: 5 } })
    await hub.drain()
    expect(channels.push.sent).toHaveLength(7)
    expect(new Set(channels.push.sent.map((s) => s.recipient.customerId)).size).toBe(7)
    expect(continued).toEqual(['3', '6'])
    await hub.stop()
  })

  it('erases a customer from contact history and the response model', async () => {
    const { hub } = await storyHub({ actions: [offer], rules: [{ id: 'r', when: { event: 'geofence.entered' }, do: { action: 'offer' } }] })
    const who = await storyCustomer(hub, 'E', { push: true })
    await hub.publish({ type: 'geofence.entered', source: 'app', identity: who, data: { geofenceId: 'g' } })
    await hub.drain()
    const receipt = await hub.erase({ identity: who })
    expect(receipt.removed['contactHistory']).toBe(1)
    expect(receipt.removed['responseModel']).toBe(1)
    expect(await hub.get(DecisioningTokens.ContactHistory).list(receipt.customerId, 0)).toEqual([])
    await hub.stop()
  })
})

describe('ResponseModel', () => {
  it('learns a response rate per action and segment; Thompson draws follow the posterior', () => {
    const model = new ResponseModel({ random: seededRandom(3) })
    for (let i = 0; i < 100; i++) {
      model.expose({ key: `a${i}`, customerId: `c${i}`, actionId: 'a', segment: 'vip', group: 'treatment', at: i })
      if (i % 5 === 0) model.succeed(`a${i}`)
    }
    expect(model.succeed('a0')).toBe(false) // once per exposure
    expect(model.stats('a', 'vip')).toEqual({ trials: 100, successes: 20, holdoutTrials: 0, holdoutSuccesses: 0 })
    expect(model.mean('a', 'vip')).toBeCloseTo(21 / 102, 5)
    const draws = Array.from({ length: 2000 }, () => model.sample('a', 'vip'))
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length
    expect(mean).toBeGreaterThan(0.17)
    expect(mean).toBeLessThan(0.24)
    expect(model.stats('a', 'all').trials).toBe(0) // segments learn apart
    for (let i = 0; i < 50; i++) {
      model.expose({ key: `h${i}`, customerId: `h${i}`, actionId: 'a', segment: 'vip', group: 'holdout', at: i })
      if (i % 10 === 0) model.succeed(`h${i}`)
    }
    expect(model.uplift('a', 'vip')).toBeCloseTo(0.2 - 0.1, 5)
  })
})
