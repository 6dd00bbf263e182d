import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { BoundedSet, durationOption, functionOption, parseOptions, SourceNameSchema, Tokens, type Clock, type Emit, type TimerHandle } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import * as z from 'zod'
import { SourceConnector, type MapHook } from '../source-connector.js'
import { PosTokens } from '../tokens.js'
import { FileCheckpointStore, MemoryCheckpointStore, type CheckpointStore } from './checkpoint-store.js'
import { importJournal, type JournalImportReport } from './import-journal.js'
import { JournalMappingSchema } from './journal-mapping.js'
import type { JournalInput } from './journal-reader.js'

/** Options of {@link journalImport}. */
export const JournalImportOptionsSchema = z
  .object({
    id: z.string().min(1).max(100).default('journal-import'),
    /** Column mapping. */
    mapping: JournalMappingSchema,
    /** Files imported when the hub starts. */
    files: z.array(z.string().min(1)).default([]),
    /** A drop directory watched for new journal files (`.csv`, `.json`, `.ndjson`). */
    dir: z.string().min(1).optional(),
    /** How often `dir` is scanned. Default `5m`. */
    every: durationOption({ positive: true }).default(300_000),
    format: z.enum(['csv', 'json', 'ndjson']).optional(),
    encoding: z.enum(['utf8', 'shift_jis']).default('utf8'),
    delimiter: z.string().length(1).optional(),
    source: SourceNameSchema.default('pos'),
    /** Checkpoints as files in this directory (default: in memory, or the bound CheckpointStore). */
    checkpointDir: z.string().min(1).optional(),
    checkpointEvery: z.number().int().positive().default(1000),
    /** Transactions remembered for dedupe across files. Default 1 000 000. */
    dedupeSize: z.number().int().min(1).default(1_000_000),
    map: functionOption<MapHook<{ readonly rows: readonly unknown[] }>>().optional(),
  })

/** Options of {@link journalImport}. */
export type JournalImportOptions = z.input<typeof JournalImportOptionsSchema>

const JOURNAL_FILE = /\.(csv|tsv|txt|json|ndjson|jsonl)$/i

/**
 * Imports POS journals into a running hub: given files at start, then (with `dir`) every new
 * or grown file in a drop directory. Each file resumes from its checkpoint.
 */
export class JournalImportConnector extends SourceConnector {
  readonly #options: z.output<typeof JournalImportOptionsSchema>
  readonly #clock: () => Clock
  readonly #checkpoints: CheckpointStore
  readonly #dedupe: BoundedSet
  readonly #done = new Map<string, string>()
  #timer: TimerHandle | undefined
  #running: Promise<unknown> = Promise.resolve()
  #hubEmit: Emit | undefined
  /** Reports of the imports run so far, by file. */
  readonly reports = new Map<string, JournalImportReport>()

  constructor(options: z.output<typeof JournalImportOptionsSchema>, clock: () => Clock, checkpoints: CheckpointStore) {
    super(options.id, { dedupeSize: 1 })
    this.#options = options
    this.#clock = clock
    this.#checkpoints = checkpoints
    this.#dedupe = new BoundedSet(options.dedupeSize)
  }

  override async start(emit: Emit): Promise<void> {
    await super.start(emit)
    this.#hubEmit = emit
    const files = [...this.#options.files]
    this.#running = this.#serial(async () => {
      for (const file of files) await this.importFile(file)
    })
    if (this.#options.dir !== undefined) this.#schedule(0)
  }

  override async stop(): Promise<void> {
    this.#timer?.cancel()
    this.#timer = undefined
    await this.#running.catch(() => undefined)
    this.#hubEmit = undefined
    await super.stop()
  }

  /** Resolves once the imports queued so far are over. */
  async idle(): Promise<void> {
    for (let running = this.#running; ; running = this.#running) {
      await running.catch(() => undefined)
      if (running === this.#running) return
    }
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#running.catch(() => undefined).then(task)
    this.#running = next.catch((error: unknown) => this.countFailure('failed', (error as Error).message))
    return next
  }

  #schedule(delay: number): void {
    const clock = this.#clock()
    this.#timer = clock.setTimer(clock.now() + delay, () => {
      void this.#serial(async () => void (await this.scan())).finally(() => {
        if (this.#hubEmit) this.#schedule(this.#options.every)
      })
    })
  }

  /** Imports every journal file in `dir` that is new or changed since it was last imported. */
  async scan(): Promise<JournalImportReport[]> {
    const dir = this.#options.dir
    if (dir === undefined) return []
    const names = (await readdir(dir)).filter((n) => JOURNAL_FILE.test(n)).sort()
    const reports: JournalImportReport[] = []
    for (const name of names) {
      const path = join(dir, name)
      const info = await stat(path)
      const signature = `${info.size}:${info.mtimeMs}`
      if (this.#done.get(path) === signature) continue
      reports.push(await this.importFile(path))
      this.#done.set(path, signature)
    }
    return reports
  }

  /** Imports one file (resuming from its checkpoint). */
  async importFile(path: string): Promise<JournalImportReport> {
    const report = await this.import(path, path)
    this.reports.set(path, report)
    return report
  }

  /** Imports a journal from any input; `checkpointKey` makes a stream resumable. */
  async import(input: JournalInput, checkpointKey?: string): Promise<JournalImportReport> {
    const emit = this.#hubEmit
    if (!emit) throw new Error(`connector "${this.id}" is not running`)
    const o = this.#options
    return importJournal(input, {
      mapping: o.mapping,
      emit,
      encoding: o.encoding,
      source: o.source,
      checkpointEvery: o.checkpointEvery,
      dedupe: this.#dedupe,
      ...(o.format === undefined ? {} : { format: o.format }),
      ...(o.delimiter === undefined ? {} : { delimiter: o.delimiter }),
      ...(o.map === undefined ? {} : { map: o.map }),
      ...(checkpointKey === undefined ? {} : { checkpoints: this.#checkpoints, checkpointKey }),
    })
  }
}

/**
 * Journal import as a hub module: imports `files` at start and watches `dir` every `every`.
 * For one-off imports from a script or the CLI, call {@link importJournal} instead.
 *
 * @example
 * ```ts
 * journalImport({ dir: './pos-drop', every: '5m', encoding: 'shift_jis', mapping: { columns: { … } } })
 * ```
 */
export function journalImport(options: JournalImportOptions): ContainerModule {
  const parsed = parseOptions(JournalImportOptionsSchema, options, 'journalImport')
  return new ContainerModule((m) => {
    m.bind(PosTokens.JournalImport)
      .toDynamicValue((ctx) => {
        const checkpoints =
          parsed.checkpointDir !== undefined
            ? new FileCheckpointStore(parsed.checkpointDir)
            : (ctx.get(PosTokens.CheckpointStore, { optional: true }) ?? new MemoryCheckpointStore())
        return new JournalImportConnector(parsed, () => ctx.get(Tokens.Clock), checkpoints)
      })
      .inSingletonScope()
    m.bind(Tokens.Connector).toDynamicValue((ctx) => ctx.get(PosTokens.JournalImport)).inSingletonScope()
  })
}
