/** FNV-1a 32-bit: a fast, stable hash (the same in every process and release). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** murmur3's 32-bit finaliser: spreads FNV's weak low-entropy differences over every bit. */
export function mix32(hash: number): number {
  let h = hash
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The partition of a partition key. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions
}

/**
 * Who should own `partition` among `members`: rendezvous (highest random weight) hashing, so
 * when a worker joins or leaves only the partitions that must move do.
 */
export function ownerOf(partition: number, members: readonly string[]): string | undefined {
  let best: string | undefined
  let bestWeight = -1
  for (const member of members) {
    const weight = mix32(fnv1a(`${member}#${partition}`))
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member
      bestWeight = weight
    }
  }
  return best
}
