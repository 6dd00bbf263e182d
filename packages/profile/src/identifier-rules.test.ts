import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { IdentifierRules } from './identifier-rules.js'

describe('IdentifierRules', () => {
  it('normalises emails, phones (default region JP) and LINE user ids', () => {
    const rules = new IdentifierRules()
    expect(rules.normaliseOne('email', '  Hanako.Yamada@Example.CO.JP ')).toBe('hanako.yamada@example.co.jp')
    expect(rules.normaliseOne('phone', '090-1234-5678')).toBe('+819012345678')
    expect(rules.normaliseOne('phone', '+1 (415) 555-2671')).toBe('+14155552671')
    expect(new IdentifierRules({ defaultRegion: 'US' }).normaliseOne('phone', '(415) 555-2671')).toBe('+14155552671')
    const line = `U${'a'.repeat(32)}`
    expect(rules.normaliseOne('lineUserId', line)).toBe(line)
    expect(rules.normaliseOne('loyaltyId', ' L-1 ')).toBe('L-1')
  })

  it('refuses malformed identifiers with the kind and the reason, listing all of them', () => {
    const rules = new IdentifierRules()
    const error = (() => {
      try {
        rules.normalise({ email: 'hanako@', phone: '0120', lineUserId: `U${'A'.repeat(32)}`, loyaltyId: 'L-1' })
      } catch (e) {
        return e
      }
    })() as ValidationError
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.issues.map((i) => i.path)).toEqual(['identity.email', 'identity.phone', 'identity.lineUserId'])
    expect(error.message).toContain('is not an email address')
    expect(error.message).toContain('phone number')
    // The message names kinds and reasons, never the raw values.
    expect(error.message).not.toContain('hanako@')
  })

  it('validates custom kinds with their own schema', () => {
    const rules = new IdentifierRules({ kinds: { memberNo: { schema: z.string().regex(/^\d{8}$/, 'must be 8 digits').transform((v) => `M${v}`) } } })
    expect(rules.normaliseOne('memberNo', '12345678')).toBe('M12345678')
    expect(() => rules.normaliseOne('memberNo', '1234')).toThrow(/identity\.memberNo: must be 8 digits/)
    // Kinds without a rule are taken as they are (trimmed), with a middle priority.
    expect(rules.normaliseOne('kioskId', ' k-1 ')).toBe('k-1')
    expect(rules.priority('kioskId')).toBeLessThan(rules.priority('phone'))
    expect(rules.priority('kioskId')).toBeGreaterThan(rules.priority('deviceToken'))
  })

  it('removes blocked values (normalised before comparing) and orders the rest by priority', () => {
    const rules = new IdentifierRules({ kinds: { anonymousId: { blocked: ['tablet-1'] } } })
    const result = rules.normalise({ anonymousId: 'tablet-1', email: 'Test@Example.com', phone: '03-1234-5678', loyaltyId: 'L-1', customerId: 'C-1' })
    expect(result.customerId).toBe('C-1')
    expect(result.identifiers.map((i) => i.kind)).toEqual(['loyaltyId', 'phone'])
    expect(result.refused.map((r) => [r.kind, r.value])).toEqual([
      ['anonymousId', 'tablet-1'],
      ['email', 'test@example.com'],
    ])
  })

  it('merges configured rules over the defaults and validates them', () => {
    const rules = new IdentifierRules({ kinds: { email: { unique: true }, anonymousId: { maxPerProfile: 2 } } })
    expect(rules.isUnique('email')).toBe(true)
    expect(rules.isBlocked('email', 'test@example.com')).toBe(true)
    expect(rules.isUnique('loyaltyId')).toBe(true)
    expect(rules.maxPerProfile('anonymousId')).toBe(2)
    expect(rules.maxPerProfile('email')).toBeUndefined()
    expect(() => new IdentifierRules({ kinds: { 'bad kind': {} } })).toThrow(ValidationError)
    expect(() => new IdentifierRules({ kinds: { memberNo: { schema: 'nope' as never } } })).toThrow(/kinds\.memberNo\.schema/)
  })
})
