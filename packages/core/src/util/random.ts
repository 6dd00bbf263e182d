/** A random source returning numbers in [0, 1), like `Math.random`. */
export type Random = () => number

/**
 * mulberry32: a tiny seedable generator. The same seed gives the same sequence on every machine
 * and run, so simulated days, Thompson sampling in tests and fuzz runs can be replayed; not for
 * anything secret.
 */
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
