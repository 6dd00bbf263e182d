import { describe, expect, it } from 'vitest'
import { retryKeyFor } from './retry-key.js'

describe('retryKeyFor', () => {
  it('is a version-5 style UUID, the same for the same key and different for another', () => {
    const a = retryKeyFor('decision-1:line')
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(retryKeyFor('decision-1:line')).toBe(a)
    expect(retryKeyFor('decision-2:line')).not.toBe(a)
  })
})
