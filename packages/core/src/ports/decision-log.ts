import type { Decision } from './decision.js'

/** Filters for {@link DecisionLog.list}. */
export interface DecisionQuery {
  /** Most to return, newest first. Default 50. */
  readonly limit?: number
  /** Only decisions at or after this time (ISO). */
  readonly since?: string
}

/**
 * The DecisionLog port: every decision with its candidates and reasons, queryable per customer
 * ("see why"). Memory by default; the store packages keep it in a database.
 */
export interface DecisionLog {
  /** Records a decision. */
  record(decision: Decision): Promise<void>
  /** A customer's decisions, newest first. */
  list(customerId: string, query?: DecisionQuery): Promise<Decision[]>
  /** The most recent decisions across customers, newest first (the live decision-log page). */
  recent(limit?: number): Promise<Decision[]>
  /** Forgets a customer (erasure). Returns how many decisions were removed. */
  eraseCustomer(customerId: string): Promise<number>
}

/** Options of {@link MemoryDecisionLog}. */
export interface MemoryDecisionLogOptions {
  /** Decisions kept per customer (oldest go first). Default 200. */
  readonly perCustomer?: number
  /** Decisions kept for {@link DecisionLog.recent}. Default 1000. */
  readonly recent?: number
}

/** The in-memory decision log, bounded per customer. */
export class MemoryDecisionLog implements DecisionLog {
  readonly #byCustomer = new Map<string, Decision[]>()
  #recent: Decision[] = []
  readonly #perCustomer: number
  readonly #recentMax: number

  constructor(options: MemoryDecisionLogOptions = {}) {
    this.#perCustomer = options.perCustomer ?? 200
    this.#recentMax = options.recent ?? 1000
  }

  async record(decision: Decision): Promise<void> {
    let list = this.#byCustomer.get(decision.customerId)
    if (!list) this.#byCustomer.set(decision.customerId, (list = []))
    list.push(decision)
    if (list.length > this.#perCustomer) list.splice(0, list.length - this.#perCustomer)
    this.#recent.push(decision)
    if (this.#recent.length > this.#recentMax * 2) this.#recent = this.#recent.slice(-this.#recentMax)
  }

  async list(customerId: string, query: DecisionQuery = {}): Promise<Decision[]> {
    const list = this.#byCustomer.get(customerId) ?? []
    const since = query.since
    return list
      .filter((d) => since === undefined || d.at >= since)
      .reverse()
      .slice(0, query.limit ?? 50)
  }

  async recent(limit = 50): Promise<Decision[]> {
    return this.#recent.slice(-limit).reverse()
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const n = this.#byCustomer.get(customerId)?.length ?? 0
    this.#byCustomer.delete(customerId)
    this.#recent = this.#recent.filter((d) => d.customerId !== customerId)
    return n
  }
}
