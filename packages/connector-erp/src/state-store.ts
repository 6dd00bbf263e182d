import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Snapshot } from './snapshot.js'

/**
 * Where feeds keep what they knew at the last run (the previous snapshot, cursors), so a
 * restart diffs against it instead of starting over. The memory default forgets on restart:
 * the first snapshot after a restart is then a baseline and publishes nothing.
 */
export interface FeedStateStore {
  /** The snapshot saved under `key`. */
  loadSnapshot(key: string): Promise<Snapshot | undefined>
  /** Replaces the snapshot under `key`. The store may keep the Map itself: callers hand over ownership. */
  saveSnapshot(key: string, snapshot: Snapshot): Promise<void>
  /** A small JSON value (a cursor) saved under `key`. */
  load<T>(key: string): Promise<T | undefined>
  /** Saves a small JSON value. */
  save(key: string, value: unknown): Promise<void>
}

/** Feed state in memory (the embedded default). */
export class MemoryFeedStateStore implements FeedStateStore {
  readonly #snapshots = new Map<string, Snapshot>()
  readonly #values = new Map<string, string>()
  async loadSnapshot(key: string): Promise<Snapshot | undefined> {
    return this.#snapshots.get(key)
  }
  async saveSnapshot(key: string, snapshot: Snapshot): Promise<void> {
    this.#snapshots.set(key, snapshot)
  }
  async load<T>(key: string): Promise<T | undefined> {
    const text = this.#values.get(key)
    return text === undefined ? undefined : (JSON.parse(text) as T)
  }
  async save(key: string, value: unknown): Promise<void> {
    this.#values.set(key, JSON.stringify(value))
  }
}

/** Feed state as files in `dir` (atomic writes), surviving restarts. */
export class FileFeedStateStore implements FeedStateStore {
  readonly #dir: string
  constructor(dir: string) {
    this.#dir = dir
  }
  #path(key: string, kind: string): string {
    return join(this.#dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.${kind}.json`)
  }
  async #write(path: string, text: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true })
    const temp = `${path}.${process.pid}.tmp`
    await writeFile(temp, text)
    await rename(temp, path)
  }
  async #read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }
  async loadSnapshot(key: string): Promise<Snapshot | undefined> {
    const text = await this.#read(this.#path(key, 'snapshot'))
    return text === undefined ? undefined : new Map(JSON.parse(text) as Array<[string, { quantity?: number; price?: number; currency?: string }]>)
  }
  async saveSnapshot(key: string, snapshot: Snapshot): Promise<void> {
    await this.#write(this.#path(key, 'snapshot'), JSON.stringify([...snapshot]))
  }
  async load<T>(key: string): Promise<T | undefined> {
    const text = await this.#read(this.#path(key, 'value'))
    return text === undefined ? undefined : (JSON.parse(text) as T)
  }
  async save(key: string, value: unknown): Promise<void> {
    await this.#write(this.#path(key, 'value'), JSON.stringify(value))
  }
}
