import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { ValidationError } from '../errors.js'
import { functionOption, objectWithMethods, parseOptions } from './options.js'

interface Client {
  call(): void
}

const schema = z.object({
  client: objectWithMethods<Client>('call').optional(),
  map: functionOption<(x: number) => number>().optional(),
  size: z.number().int().default(10),
})

describe('parseOptions', () => {
  it('returns the parsed options with defaults', () => {
    const map = (x: number): number => x
    expect(parseOptions(schema, { map }, 'thing')).toEqual({ map, size: 10 })
  })

  it('names the factory and every bad field', () => {
    let error: unknown
    try {
      parseOptions(schema, { client: { cal: () => undefined }, map: 'x', size: 1.5 }, 'thing')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toMatch(/^thing options is invalid: /)
    expect((error as ValidationError).issues.map((i) => [i.path, i.message])).toEqual([
      ['client', 'must be an object with call'],
      ['map', 'must be a function'],
      ['size', expect.stringMatching(/expected int/)],
    ])
  })

  it('refuses null for an object option', () => {
    expect(() => parseOptions(schema, { client: null }, 'thing')).toThrow(/client: must be an object with call/)
  })
})
