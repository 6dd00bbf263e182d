/**
 * FNV-1a 32-bit: a fast, stable string hash. Partitions, holdouts and seeds must come out the
 * same on every machine, process and release, which `Math.random` or object identity cannot give.
 * Not for anything secret.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/**
 * murmur3's 32-bit finaliser: spreads FNV's weak differences between nearby strings (`c-1`,
 * `c-2`) over every bit, for uses that compare or scale the whole hash.
 */
export function mix32(hash: number): number {
  let h = hash
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
