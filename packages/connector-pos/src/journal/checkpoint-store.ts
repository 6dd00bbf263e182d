import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Where an import stopped: everything up to and including `line` was committed to the hub. */
export interface JournalCheckpoint {
  readonly line: number
  /** When it was written (ISO). */
  readonly at: string
}

/** Keeps import checkpoints, so an interrupted import resumes after its last committed line. */
export interface CheckpointStore {
  get(key: string): Promise<JournalCheckpoint | undefined>
  set(key: string, checkpoint: JournalCheckpoint): Promise<void>
  delete(key: string): Promise<void>
}

/** Checkpoints in memory (lost on restart: the embedded default). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #map = new Map<string, JournalCheckpoint>()
  async get(key: string): Promise<JournalCheckpoint | undefined> {
    return this.#map.get(key)
  }
  async set(key: string, checkpoint: JournalCheckpoint): Promise<void> {
    this.#map.set(key, checkpoint)
  }
  async delete(key: string): Promise<void> {
    this.#map.delete(key)
  }
}

/** Checkpoints as small JSON files in `dir` (written atomically: temp file, then rename). */
export class FileCheckpointStore implements CheckpointStore {
  readonly #dir: string
  constructor(dir: string) {
    this.#dir = dir
  }
  #path(key: string): string {
    return join(this.#dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.checkpoint.json`)
  }
  async get(key: string): Promise<JournalCheckpoint | undefined> {
    try {
      const value = JSON.parse(await readFile(this.#path(key), 'utf8')) as { key?: string; line?: unknown; at?: unknown }
      return value.key === key && typeof value.line === 'number' && typeof value.at === 'string' ? { line: value.line, at: value.at } : undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }
  async set(key: string, checkpoint: JournalCheckpoint): Promise<void> {
    await mkdir(this.#dir, { recursive: true })
    const path = this.#path(key)
    const temp = `${path}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify({ key, ...checkpoint }))
    await rename(temp, path)
  }
  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }
}
