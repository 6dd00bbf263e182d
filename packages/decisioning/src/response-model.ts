import type { Profile } from '@omotenashi/profile'
import { seededRandom, type Random } from '@omotenashi/core'

/** Treatment (got the action) or holdout (would have got it; kept apart to measure uplift). */
export type Group = 'treatment' | 'holdout'

/** Counts for one action in one segment. */
export interface ArmStats {
  readonly trials: number
  readonly successes: number
  readonly holdoutTrials: number
  readonly holdoutSuccesses: number
}

/** Input to a {@link Scorer}. */
export interface ScoreInput {
  readonly actionId: string
  readonly customerId: string
  readonly segment: string
  readonly profile: Profile | undefined
  /** The trigger (event type or `placement:<name>`). */
  readonly trigger: string
}

/**
 * The Scorer port: an adopter's own propensity model. Return a probability in [0, 1], or
 * undefined to fall back to the built-in response model.
 */
export interface Scorer {
  score(input: ScoreInput): number | undefined
}

/** One exposure: an action shown or sent (or held out), awaiting its outcome. */
export interface Exposure {
  readonly key: string
  readonly customerId: string
  readonly actionId: string
  readonly segment: string
  readonly group: Group
  readonly item?: string
  readonly at: number
  succeeded: boolean
}

/** Options of {@link ResponseModel}. */
export interface ResponseModelOptions {
  /** Random source for Thompson sampling (seed it in tests). Default: seeded from the clock at start. */
  readonly random?: Random
  /** Beta prior. Default { alpha: 1, beta: 1 } (uniform). */
  readonly prior?: { readonly alpha: number; readonly beta: number }
  /** Exposures remembered for attribution, across customers. Default 100 000. */
  readonly maxExposures?: number
}

/**
 * A Beta-Bernoulli response model per action × segment with Thompson sampling: each exposure
 * is a trial, its first positive outcome a success; the propensity of an action is a draw from
 * Beta(alpha + successes, beta + failures), so well-performing actions win more often while
 * uncertain ones still get tried. Holdout outcomes are counted apart, for uplift.
 */
export class ResponseModel {
  /** By action, then segment (two lookups, no key string built per draw). */
  readonly #arms = new Map<string, Map<string, { trials: number; successes: number; holdoutTrials: number; holdoutSuccesses: number }>>()
  readonly #exposures = new Map<string, Exposure>()
  /**
   * Exposures in the order they were recorded, from `#head` on: the oldest is found here, not by
   * iterating the map, whose iterator walks past every entry deleted since its last rehash.
   * An entry is live while the map still holds that very object under its key.
   */
  #order: Exposure[] = []
  #head = 0
  readonly #byCustomer = new Map<string, Set<string>>()
  readonly #random: Random
  readonly #prior: { readonly alpha: number; readonly beta: number }
  readonly #max: number

  constructor(options: ResponseModelOptions = {}) {
    this.#random = options.random ?? seededRandom(Date.now())
    this.#prior = options.prior ?? { alpha: 1, beta: 1 }
    this.#max = options.maxExposures ?? 100_000
  }

  #arm(actionId: string, segment: string): { trials: number; successes: number; holdoutTrials: number; holdoutSuccesses: number } {
    let bySegment = this.#arms.get(actionId)
    if (!bySegment) this.#arms.set(actionId, (bySegment = new Map()))
    let arm = bySegment.get(segment)
    if (!arm) bySegment.set(segment, (arm = { trials: 0, successes: 0, holdoutTrials: 0, holdoutSuccesses: 0 }))
    return arm
  }

  /** Counts for an action in a segment. */
  stats(actionId: string, segment = 'all'): ArmStats {
    return { ...this.#arm(actionId, segment) }
  }

  /** Posterior mean response rate. */
  mean(actionId: string, segment = 'all'): number {
    const arm = this.#arm(actionId, segment)
    return (this.#prior.alpha + arm.successes) / (this.#prior.alpha + this.#prior.beta + arm.trials)
  }

  /** A Thompson draw of the response rate. */
  sample(actionId: string, segment = 'all'): number {
    const arm = this.#arm(actionId, segment)
    return sampleBeta(this.#prior.alpha + arm.successes, this.#prior.beta + Math.max(0, arm.trials - arm.successes), this.#random)
  }

  /** Uplift of an action: treatment response rate minus holdout response rate (undefined without both). */
  uplift(actionId: string, segment = 'all'): number | undefined {
    const arm = this.#arm(actionId, segment)
    if (arm.trials === 0 || arm.holdoutTrials === 0) return undefined
    return arm.successes / arm.trials - arm.holdoutSuccesses / arm.holdoutTrials
  }

  /** Records an exposure once per key (a redelivered event counts once). */
  expose(exposure: Omit<Exposure, 'succeeded'>): boolean {
    if (this.#exposures.has(exposure.key)) return false
    const recorded: Exposure = { ...exposure, succeeded: false }
    this.#exposures.set(exposure.key, recorded)
    this.#order.push(recorded)
    let keys = this.#byCustomer.get(exposure.customerId)
    if (!keys) this.#byCustomer.set(exposure.customerId, (keys = new Set()))
    keys.add(exposure.key)
    const arm = this.#arm(exposure.actionId, exposure.segment)
    if (exposure.group === 'treatment') arm.trials++
    else arm.holdoutTrials++
    while (this.#exposures.size > this.#max) this.#forget(this.#oldest()!)
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) this.#compact()
    else if (this.#order.length > 2 * this.#max + 1024) this.#compact() // erasures left many behind
    return true
  }

  /** Marks an exposure successful (first success only). False when unknown or already counted. */
  succeed(key: string): boolean {
    const exposure = this.#exposures.get(key)
    if (!exposure || exposure.succeeded) return false
    exposure.succeeded = true
    const arm = this.#arm(exposure.actionId, exposure.segment)
    if (exposure.group === 'treatment') arm.successes++
    else arm.holdoutSuccesses++
    return true
  }

  /** A customer's exposures since `since`, newest first. */
  exposuresOf(customerId: string, since: number): Exposure[] {
    const keys = this.#byCustomer.get(customerId)
    if (!keys) return []
    const out: Exposure[] = []
    for (const key of keys) {
      const e = this.#exposures.get(key)
      if (e && e.at >= since) out.push(e)
    }
    return out.sort((a, b) => b.at - a.at)
  }

  /** Forgets a customer's exposures (the aggregate counts hold no personal data and stay). */
  async eraseCustomer(customerId: string): Promise<number> {
    const keys = this.#byCustomer.get(customerId)
    if (!keys) return 0
    const n = keys.size
    for (const key of [...keys]) this.#forget(key)
    this.#byCustomer.delete(customerId)
    return n
  }

  /** The key of the oldest exposure still held (what `this.#exposures.keys().next()` gives). */
  #oldest(): string | undefined {
    while (this.#head < this.#order.length) {
      const e = this.#order[this.#head]!
      if (this.#exposures.get(e.key) === e) return e.key
      this.#head++
    }
    return undefined
  }

  /** Drops the entries before the head and those no longer held. */
  #compact(): void {
    const live: Exposure[] = []
    for (let i = this.#head; i < this.#order.length; i++) {
      const e = this.#order[i]!
      if (this.#exposures.get(e.key) === e) live.push(e)
    }
    this.#order = live
    this.#head = 0
  }

  #forget(key: string): void {
    const e = this.#exposures.get(key)
    this.#exposures.delete(key)
    if (e) this.#byCustomer.get(e.customerId)?.delete(key)
  }
}

/** Standard normal by Box-Muller. */
function normal(random: Random): number {
  let u = 0
  while (u === 0) u = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** Gamma(shape, 1) by Marsaglia-Tsang (boosted for shape < 1). */
function sampleGamma(shape: number, random: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(random() || Number.MIN_VALUE, 1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normal(random)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = random()
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

/** A draw from Beta(alpha, beta). */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random)
  const y = sampleGamma(beta, random)
  return x / (x + y)
}
