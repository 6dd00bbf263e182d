import { randomUUID } from 'node:crypto'
import type { OmoEvent } from '../envelope.js'

/** A pipeline stage name; dead letters say which one failed. */
export type StageName = 'validate' | 'identify' | 'profile' | 'decide' | 'act' | 'bus' | (string & {})

/** An accepted event that failed later, kept with where and why. */
export interface DeadLetter {
  /** Dead letter id. */
  readonly id: string
  /** The event, exactly as accepted. */
  readonly event: OmoEvent
  /** The stage that failed. */
  readonly stage: StageName
  /** The error, as `{ name, message, code }` (no stack: it may hold data). */
  readonly error: { readonly name: string; readonly message: string; readonly code?: string }
  /** When it was dead-lettered (ISO). */
  readonly at: string
  /** How many times it was re-driven so far. */
  readonly redriven: number
}

/** Filters for {@link DeadLetterStore.list}. */
export interface DeadLetterQuery {
  /** Only this stage. */
  readonly stage?: StageName
  /** Most to return. Default 100. */
  readonly limit?: number
}

/**
 * The DeadLetterStore port: nothing accepted is dropped; what fails later waits here to be
 * inspected and re-driven (`hub.redrive(id)`).
 */
export interface DeadLetterStore {
  /** Keeps a failed event. */
  add(entry: Omit<DeadLetter, 'id' | 'redriven'>): Promise<DeadLetter>
  /** Lists dead letters, oldest first. */
  list(query?: DeadLetterQuery): Promise<DeadLetter[]>
  /** One dead letter. */
  get(id: string): Promise<DeadLetter | undefined>
  /** Removes one (after a successful re-drive). */
  remove(id: string): Promise<boolean>
  /** Counts what waits. */
  count(): Promise<number>
}

/** Dead letters in memory: the embedded default. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #entries = new Map<string, DeadLetter>()

  async add(entry: Omit<DeadLetter, 'id' | 'redriven'>): Promise<DeadLetter> {
    const previous = [...this.#entries.values()].find((d) => d.event.id === entry.event.id && d.stage === entry.stage)
    const letter: DeadLetter = { ...entry, id: previous?.id ?? randomUUID(), redriven: previous ? previous.redriven + 1 : 0 }
    this.#entries.set(letter.id, letter)
    return letter
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const all = [...this.#entries.values()].filter((d) => query.stage === undefined || d.stage === query.stage)
    return all.slice(0, query.limit ?? 100)
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.#entries.get(id)
  }

  async remove(id: string): Promise<boolean> {
    return this.#entries.delete(id)
  }

  async count(): Promise<number> {
    return this.#entries.size
  }
}
