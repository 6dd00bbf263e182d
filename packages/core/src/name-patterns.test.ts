import { describe, expect, it } from 'vitest'
import { EVENT_TYPE_PATTERN, SOURCE_PATTERN, SourceNameSchema } from './envelope.js'
import { IDENTIFIER_KIND_PATTERN } from './identity.js'

describe('name patterns adapters share with the envelope', () => {
  it('SOURCE_PATTERN / SourceNameSchema: lower-case names up to 128 characters', () => {
    for (const ok of ['pos', 'my-kiosk', 'erp/odoo', 'a'.repeat(128)]) expect(SOURCE_PATTERN.test(ok), ok).toBe(true)
    for (const bad of ['', 'POS', '1pos', 'pos shop', 'a'.repeat(129)]) expect(SOURCE_PATTERN.test(bad), bad).toBe(false)
    expect(SourceNameSchema.safeParse('Pos').error?.issues[0]?.message).toMatch(/lower-case name/)
  })

  it('EVENT_TYPE_PATTERN: dotted lower-case words', () => {
    expect(EVENT_TYPE_PATTERN.test('store.checked_in')).toBe(true)
    for (const bad of ['store', 'Store.checked_in', 'store..in', 'store.checked-in']) expect(EVENT_TYPE_PATTERN.test(bad), bad).toBe(false)
  })

  it('IDENTIFIER_KIND_PATTERN: letters, digits and _, a letter first, 64 at most', () => {
    for (const ok of ['loyaltyId', 'posCustomerId', 'line_user', 'a'.repeat(64)]) expect(IDENTIFIER_KIND_PATTERN.test(ok), ok).toBe(true)
    for (const bad of ['', '_id', '1id', 'pos-id', 'a'.repeat(65)]) expect(IDENTIFIER_KIND_PATTERN.test(bad), bad).toBe(false)
  })
})
