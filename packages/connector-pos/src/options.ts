import { functionOption, IDENTIFIER_KIND_PATTERN, SourceNameSchema } from '@omotenashi/core'
import * as z from 'zod'
import type { MapHook } from './source-connector.js'

/** Options every POS source takes. */
export const commonSourceOptions = {
  /** Connector id (unique in a hub). */
  id: z.string().min(1).max(100).optional(),
  /** The `source` of the events it publishes. Default `pos`. */
  source: SourceNameSchema.default('pos'),
  /** How many source event ids are remembered for dedupe. Default 100 000. */
  dedupeSize: z.number().int().min(1).max(10_000_000).default(100_000),
  /** The mapping hook for custom fields. */
  map: functionOption<MapHook>().optional(),
  /** The identifier kind the POS's customer id is published under. Default `posCustomerId`. */
  identityKind: z.string().regex(IDENTIFIER_KIND_PATTERN, 'must be an identifier kind such as "posCustomerId"').default('posCustomerId'),
  /** POS location / store id → hub store id. Unlisted locations keep their own id. */
  locations: z.record(z.string(), z.string().min(1)).optional(),
}

/** Maps a POS location to a hub store id (unlisted ones keep their own id). */
export function storeOf(locations: Readonly<Record<string, string>> | undefined, location: string | null | undefined): string | undefined {
  if (location === null || location === undefined || location === '') return undefined
  return locations?.[location] ?? location
}
