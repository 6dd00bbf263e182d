import * as z from 'zod'
import { ValidationError } from '../errors.js'

/**
 * Parses an adapter factory's options with `schema`, throwing a {@link ValidationError} that
 * names every bad field, so a misconfigured hub fails at start-up with the whole list.
 * @param what names the factory in the message, e.g. `squarePos` → "squarePos options is invalid: …".
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw ValidationError.fromZod(`${what} options`, result.error)
  return result.data
}

/** An option that must be a function (zod 4 checks only that it is callable, not its signature). */
export const functionOption = <T>(): z.ZodType<T> => z.custom<T>((value) => typeof value === 'function', 'must be a function')

/** An option that must be an object with the given methods (a ready-made client, a store). */
export const objectWithMethods = <T>(...methods: string[]): z.ZodType<T> =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    `must be an object with ${methods.join(', ')}`,
  )
