/**
 * FNV-1a 32-bit: a fast, stable string hash. Holdouts and seeds must come out the same on every
 * machine and every run, which Math.random or object identity cannot give.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A number in [0, 1) derived from `text`, the same everywhere. */
export function unitHash(text: string): number {
  // Mix once more so nearby strings ("c-1", "c-2") spread over the unit interval.
  let h = fnv1a(text)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) / 4_294_967_296
}

/** A seedable random source returning numbers in [0, 1). */
export type Random = () => number

/** mulberry32: a small seedable generator, so Thompson sampling is reproducible in tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
