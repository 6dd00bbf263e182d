import { ValidationError } from '@omotenashi/core'
import * as z from 'zod'
import type { MapHook } from './source-connector.js'

/** Parses factory options, throwing a {@link ValidationError} that names each bad field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw ValidationError.fromZod(`${what} options`, result.error)
  return result.data
}

/** A function option (zod 4 checks only that it is a function). */
export const fn = <T>() => z.custom<T>((value) => typeof value === 'function', 'must be a function')

/** An object option with the given methods. */
export const withMethods = <T>(...methods: string[]) =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    `must be an object with ${methods.join(', ')}`,
  )

/** Options every POS source takes. */
export const commonSourceOptions = {
  /** Connector id (unique in a hub). */
  id: z.string().min(1).max(100).optional(),
  /** The `source` of the events it publishes. Default `pos`. */
  source: z.string().regex(/^[a-z][a-z0-9._/-]{0,127}$/, 'must be a lower-case name such as "pos"').default('pos'),
  /** How many source event ids are remembered for dedupe. Default 100 000. */
  dedupeSize: z.number().int().min(1).max(10_000_000).default(100_000),
  /** The mapping hook for custom fields. */
  map: fn<MapHook>().optional(),
  /** The identifier kind the POS's customer id is published under. Default `posCustomerId`. */
  identityKind: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'must be an identifier kind such as "posCustomerId"').default('posCustomerId'),
  /** POS location / store id → hub store id. Unlisted locations keep their own id. */
  locations: z.record(z.string(), z.string().min(1)).optional(),
}

/** Maps a POS location to a hub store id (unlisted ones keep their own id). */
export function storeOf(locations: Readonly<Record<string, string>> | undefined, location: string | null | undefined): string | undefined {
  if (location === null || location === undefined || location === '') return undefined
  return locations?.[location] ?? location
}
