import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { ValidationError } from '../errors.js'
import { DURATION_PATTERN, durationOption, durationProblem, parseDuration } from './duration.js'

describe('parseDuration', () => {
  it('reads every unit, fractions, combinations and white space', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1.5h')).toBe(5_400_000)
    expect(parseDuration('90d')).toBe(90 * 86_400_000)
    expect(parseDuration('2w')).toBe(2 * 604_800_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration(' 30 s ')).toBe(30_000)
  })

  it('takes a number as milliseconds', () => {
    expect(parseDuration(1500)).toBe(1500)
    expect(parseDuration(0)).toBe(0)
  })

  it('allows zero unless asked for a positive duration', () => {
    expect(parseDuration('0s')).toBe(0)
    expect(() => parseDuration('0s', { positive: true })).toThrow(/must be longer than zero/)
    expect(() => parseDuration(0, { positive: true, field: 'every' })).toThrow(/every: must be longer than zero/)
  })

  it('throws a ValidationError naming the field and the reason', () => {
    let error: unknown
    try {
      parseDuration('soon', { field: 'cooldown' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues).toEqual([{ path: 'cooldown', message: '"soon" is not a duration such as "30s", "5m", "2h" or "90d"', code: 'invalid_duration' }])
    expect((error as Error).message).toBe('duration is invalid: cooldown: "soon" is not a duration such as "30s", "5m", "2h" or "90d"')
  })

  it('refuses units it does not know, empty text, negative and non-finite numbers', () => {
    for (const bad of ['', '5', '5y', 'm', '-5m', '5m-', '1h 30']) expect(() => parseDuration(bad), bad).toThrow(ValidationError)
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => parseDuration(bad), String(bad)).toThrow(/not a number of milliseconds/)
  })
})

describe('durationProblem', () => {
  it('is undefined for a duration and the reason otherwise', () => {
    expect(durationProblem('7d')).toBeUndefined()
    expect(durationProblem('7 days')).toMatch(/is not a duration/)
    expect(durationProblem(undefined)).toMatch(/is not a duration/)
    expect(durationProblem('0m', { positive: true })).toBe('must be longer than zero')
  })
})

describe('DURATION_PATTERN', () => {
  it('matches what parseDuration reads', () => {
    expect(DURATION_PATTERN.test('1h30m')).toBe(true)
    expect(DURATION_PATTERN.test('90d')).toBe(true)
    expect(DURATION_PATTERN.test('90 days')).toBe(false)
  })
})

describe('durationOption', () => {
  it('parses text or milliseconds to milliseconds and reports the field', () => {
    const schema = z.object({ every: durationOption({ positive: true }).default(300_000) })
    expect(schema.parse({ every: '30s' })).toEqual({ every: 30_000 })
    expect(schema.parse({ every: 250 })).toEqual({ every: 250 })
    expect(schema.parse({})).toEqual({ every: 300_000 })
    const bad = schema.safeParse({ every: '0s' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues).toMatchObject([{ path: ['every'], message: 'must be longer than zero' }])
    expect(schema.safeParse({ every: 'often' }).error?.issues[0]?.message).toMatch(/"often" is not a duration/)
  })
})
