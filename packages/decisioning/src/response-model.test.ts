import { seededRandom } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { ResponseModel } from './response-model.js'

/** The bounded exposure memory as it was first written: a map whose first key is the oldest. */
class ReferenceMemory {
  readonly #byKey = new Map<string, { customerId: string; succeeded: boolean }>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  expose(key: string, customerId: string): boolean {
    if (this.#byKey.has(key)) return false
    this.#byKey.set(key, { customerId, succeeded: false })
    while (this.#byKey.size > this.#max) this.#byKey.delete(this.#byKey.keys().next().value!)
    return true
  }

  succeed(key: string): boolean {
    const e = this.#byKey.get(key)
    if (!e || e.succeeded) return false
    e.succeeded = true
    return true
  }

  erase(customerId: string): number {
    let n = 0
    for (const [key, e] of this.#byKey) if (e.customerId === customerId && this.#byKey.delete(key)) n++
    return n
  }

  keysOf(customerId: string): string[] {
    return [...this.#byKey].filter(([, e]) => e.customerId === customerId).map(([key]) => key)
  }
}

describe('ResponseModel exposure memory', () => {
  it('forgets the oldest exposure beyond maxExposures, and a key exposed again after erasure counts as new', async () => {
    const model = new ResponseModel({ maxExposures: 3, random: seededRandom(1) })
    const expose = (key: string, customerId: string): boolean => model.expose({ key, customerId, actionId: 'a', segment: 'all', group: 'treatment', at: 0 })
    for (const [i, key] of ['k1', 'k2', 'k3', 'k4', 'k5'].entries()) expect(expose(key, `c${i % 2}`)).toBe(true)
    expect(model.succeed('k1')).toBe(false)
    expect(model.succeed('k2')).toBe(false)
    expect(model.succeed('k3')).toBe(true)
    expect(await model.eraseCustomer('c0')).toBe(2) // k3 and k5
    expect(expose('k3', 'c0')).toBe(true) // the newest now, though first recorded before k4
    expect(expose('k6', 'c1')).toBe(true)
    expect(expose('k7', 'c1')).toBe(true) // forgets k4, the oldest held
    expect(model.exposuresOf('c1', 0).map((e) => e.key).sort()).toEqual(['k6', 'k7'])
    expect(model.exposuresOf('c0', 0).map((e) => e.key)).toEqual(['k3'])
  })

  it('remembers and forgets exactly what the map-ordered memory does, over random exposures, successes and erasures', async () => {
    const random = seededRandom(7)
    const max = 50
    const model = new ResponseModel({ maxExposures: max, random: seededRandom(1) })
    const reference = new ReferenceMemory(max)
    const customers = Array.from({ length: 12 }, (_, i) => `c${i}`)
    for (let step = 0; step < 20_000; step++) {
      const customerId = customers[Math.floor(random() * customers.length)]!
      const r = random()
      if (r < 0.7) {
        const key = `k${Math.floor(random() * 400)}`
        const owner = `c${Number(key.slice(1)) % customers.length}`
        expect(model.expose({ key, customerId: owner, actionId: 'a', segment: 'all', group: 'treatment', at: step })).toBe(reference.expose(key, owner))
      } else if (r < 0.95) {
        const key = `k${Math.floor(random() * 400)}`
        expect(model.succeed(key)).toBe(reference.succeed(key))
      } else expect(await model.eraseCustomer(customerId)).toBe(reference.erase(customerId))
    }
    for (const customerId of customers) {
      expect(model.exposuresOf(customerId, 0).map((e) => e.key).sort()).toEqual(reference.keysOf(customerId).sort())
    }
  })
})
