import { ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import { parseDuration } from './duration.js'

/** Parses factory options, throwing a {@link ValidationError} that names each bad field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw ValidationError.fromZod(`${what} options`, result.error)
  return result.data
}

/** A function option. */
export const fn = <T>() => z.custom<T>((value) => typeof value === 'function', 'must be a function')

/** An object option with the given methods. */
export const withMethods = <T>(...methods: string[]) =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    `must be an object with ${methods.join(', ')}`,
  )

/** A duration option (`"30s"`, `"5m"`, ms), parsed to milliseconds. */
export const durationOption = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as "30s", "5m" or "1h"' })
    return z.NEVER
  }
})

/** A source name option. */
export const sourceOption = z.string().regex(/^[a-z][a-z0-9._/-]{0,127}$/, 'must be a lower-case name such as "erp"').default('erp')
