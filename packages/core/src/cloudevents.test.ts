import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { EventCatalog } from './catalog/event-catalog.js'
import { fromCloudEvent, toCloudEvent } from './cloudevents.js'
import { ValidationError } from './errors.js'
import type { OmoEvent } from './envelope.js'

// The official CloudEvents 1.0 JSON schema, kept beside the checkout (never copied into it).
const schemaPath = fileURLToPath(new URL('../../../../shared/contracts/cloudevents/cloudevents.json', import.meta.url))
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object)

const ctx = { now: () => '2026-05-01T09:00:00.000Z', newId: () => 'x' }
const full: OmoEvent = new EventCatalog().parse(
  {
    id: 'evt-1',
    type: 'store.checked_in',
    source: 'app',
    time: '2026-05-01T09:00:00.000Z',
    identity: { customerId: 'cust-1', loyaltyId: 'L-1', lineUserId: 'U0123', memberNo: 'M-77' },
    storeId: 'shibuya',
    location: { lat: 35.6595, lon: 139.7005 },
    correlationId: 'visit-9',
    causationId: 'evt-0',
    data: { method: 'beacon' },
  },
  ctx,
)

describe('CloudEvents', () => {
  it('produces events valid against the official CloudEvents 1.0 schema', () => {
    const ce = toCloudEvent(full)
    expect(validate(ce), JSON.stringify(validate.errors)).toBe(true)
    expect(ce).toMatchObject({ specversion: '1.0', id: 'evt-1', type: 'store.checked_in', source: 'app', storeid: 'shibuya', loyaltyid: 'L-1' })
    for (const key of Object.keys(ce)) expect(key).toMatch(/^[a-z0-9]{1,20}$/)
  })

  it('round-trips losslessly', () => {
    const back = new EventCatalog().parse(fromCloudEvent(JSON.parse(JSON.stringify(toCloudEvent(full)))), ctx)
    expect(back).toEqual(full)
  })

  it('round-trips a minimal event about an item', () => {
    const minimal = new EventCatalog().parse({ id: 'p1', type: 'catalog.price_changed', source: 'erp', subject: 'SKU-1', data: { sku: 'SKU-1', oldPrice: 100, newPrice: 80, currency: 'JPY' } }, ctx)
    const ce = toCloudEvent(minimal)
    expect(validate(ce)).toBe(true)
    expect(new EventCatalog().parse(fromCloudEvent(ce), ctx)).toEqual(minimal)
  })

  it('refuses a malformed CloudEvent naming the attribute', () => {
    expect(() => fromCloudEvent({ specversion: '0.3', id: 'x', source: 's', type: 't' })).toThrow(ValidationError)
    try {
      fromCloudEvent({ specversion: '1.0', source: 's', type: 't', omoidentity: '{nope' })
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toContain('id')
    }
    expect(() => fromCloudEvent({ specversion: '1.0', id: 'x', source: 's', type: 't', omoidentity: '{nope' })).toThrow(/omoidentity/)
  })
})
