import { fnv1a, mix32 } from '@omotenashi/core'

/**
 * FNV-1a, kept importable from this package; it lives in core, where the NATS bus's partitioning
 * can share it.
 */
export { fnv1a } from '@omotenashi/core'

/** A number in [0, 1) derived from `text`, the same everywhere. */
export function unitHash(text: string): number {
  // Mixed so nearby strings ("c-1", "c-2") spread over the unit interval.
  return mix32(fnv1a(text)) / 4_294_967_296
}

/**
 * The seedable random source Thompson sampling takes (`learning.random` / `seed`), kept
 * importable from this package; it lives in core beside the other deterministic helpers.
 */
export { seededRandom, type Random } from '@omotenashi/core'
