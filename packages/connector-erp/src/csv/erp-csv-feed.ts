import { readdir, readFile, rename, mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { durationOption, functionOption, parseOptions, type EventInput } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import * as z from 'zod'
import { diffSnapshots } from '../diff.js'
import { FeedConnector, type FeedDependencies, type FeedMapHook, type FeedRunReport } from '../feed-connector.js'
import { feedModule } from '../feed-module.js'
import { sourceOption } from '../options.js'
import { ErpTokens } from '../tokens.js'
import { parseSnapshotCsv, SnapshotColumnsSchema } from './snapshot-csv.js'

/** Options of {@link erpCsvFeed}. */
export const ErpCsvFeedOptionsSchema = z.object({
  id: z.string().min(1).max(100).default('erp-csv'),
  /** The drop directory the ERP writes snapshot files into. */
  dir: z.string().min(1, 'is required'),
  /** How often the directory is checked. Default `5m`. */
  every: durationOption({ positive: true }).default(300_000),
  /** Which files are snapshots. Default: names ending in `.csv`. */
  pattern: z.instanceof(RegExp).default(/\.csv$/i),
  columns: SnapshotColumnsSchema.default(SnapshotColumnsSchema.parse({})),
  encoding: z.enum(['utf8', 'shift_jis']).default('utf8'),
  delimiter: z.string().length(1).default(','),
  /** Store code in the file → hub store id. */
  stores: z.record(z.string(), z.string().min(1)).optional(),
  /** At or below this, stock is low. Default 3. */
  lowStockThreshold: z.number().min(0).default(3),
  /** Currency of prices without one. Default `JPY`. */
  currency: z.string().regex(/^[A-Z]{3}$/).default('JPY'),
  source: sourceOption,
  /** Mapping hook: change each event before it is published, or return null to drop it. */
  map: functionOption<FeedMapHook>().optional(),
  /** Move imported files to `<dir>/imported/` (default: leave them, remembering what was read). */
  moveImported: z.boolean().default(false),
})

/** Options of {@link erpCsvFeed}. */
export type ErpCsvFeedOptions = z.input<typeof ErpCsvFeedOptionsSchema>

/**
 * Watches a drop directory for stock / price snapshot CSVs. Each new file is diffed against the
 * previous snapshot (kept in the FeedStateStore) and only what changed is published; the
 * inventory learns every level. Files are taken oldest first.
 */
export class ErpCsvFeedConnector extends FeedConnector {
  readonly #o: z.output<typeof ErpCsvFeedOptionsSchema>

  constructor(options: z.output<typeof ErpCsvFeedOptionsSchema>, deps: FeedDependencies) {
    super(options.id, options.every, deps)
    this.#o = options
  }

  protected async poll(publish: (events: readonly EventInput[]) => Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }>): Promise<FeedRunReport> {
    const o = this.#o
    const seen = new Set((await this.deps.state.load<string[]>(`${this.id}:files`)) ?? [])
    const files: Array<{ name: string; mtimeMs: number; tag: string }> = []
    for (const name of await readdir(o.dir)) {
      if (!o.pattern.test(name)) continue
      const info = await stat(join(o.dir, name))
      if (!info.isFile()) continue
      const tag = `${name}@${info.size}:${Math.round(info.mtimeMs)}`
      if (!seen.has(tag)) files.push({ name, mtimeMs: info.mtimeMs, tag })
    }
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name))
    let rows = 0
    let changed = 0
    let events = 0
    let baseline = false
    const rejected: Array<{ id?: string; type: string; error: string }> = []
    const errors: Array<{ line?: number; message: string }> = []
    for (const file of files) {
      const report = await this.importSnapshot(await readFile(join(o.dir, file.name)), { tag: file.tag, time: new Date(file.mtimeMs).toISOString() }, publish)
      rows += report.rows
      changed += report.changed
      events += report.events
      baseline ||= report.baseline
      rejected.push(...report.rejected)
      errors.push(...report.errors.map((e) => ({ ...e, message: `${file.name}: ${e.message}` })))
      seen.add(file.tag)
      await this.deps.state.save(`${this.id}:files`, [...seen].slice(-1000))
      if (o.moveImported) {
        await mkdir(join(o.dir, 'imported'), { recursive: true })
        await rename(join(o.dir, file.name), join(o.dir, 'imported', file.name))
      }
    }
    return { rows, changed, events, rejected, errors, baseline }
  }

  /**
   * Diffs one snapshot (bytes of a CSV) against the previous one and publishes the changes.
   * `tag` names the snapshot in event ids; `time` is when the ERP took it.
   */
  async importSnapshot(
    bytes: Buffer | string,
    meta: { readonly tag: string; readonly time: string },
    publish: (events: readonly EventInput[]) => Promise<{ accepted: number; rejected: Array<{ id?: string; type: string; error: string }> }>,
  ): Promise<FeedRunReport> {
    const o = this.#o
    const parsed = parseSnapshotCsv(bytes, { columns: o.columns, encoding: o.encoding, delimiter: o.delimiter, ...(o.stores === undefined ? {} : { stores: o.stores }) })
    const stateKey = `${this.id}:snapshot`
    const previous = await this.deps.state.loadSnapshot(stateKey)
    const diff = diffSnapshots(previous, parsed.snapshot, {
      source: o.source,
      time: meta.time,
      lowStockThreshold: o.lowStockThreshold,
      currency: o.currency,
      idPrefix: `${this.id}:${meta.tag}`,
    })
    const inventory = this.deps.inventory
    if (inventory) for (const key of diff.changed) inventory.applyKey(key, parsed.snapshot.get(key)!, meta.time)
    const result = await publish(diff.events)
    // Saved only after publishing: a crash in between re-publishes the same ids, never loses a change.
    await this.deps.state.saveSnapshot(stateKey, parsed.snapshot)
    return { rows: parsed.rows, changed: diff.changed.length, events: result.accepted, rejected: result.rejected, errors: parsed.errors, baseline: previous === undefined }
  }
}

/**
 * A CSV snapshot feed as a hub module.
 *
 * @example
 * ```ts
 * erpCsvFeed({ dir: './erp-drop', every: '5m', stores: { S001: 'shibuya' } })
 * ```
 */
export function erpCsvFeed(options: ErpCsvFeedOptions): ContainerModule {
  const parsed = parseOptions(ErpCsvFeedOptionsSchema, options, 'erpCsvFeed')
  return feedModule(ErpTokens.CsvFeed, parsed.map, (deps) => new ErpCsvFeedConnector(parsed, deps))
}
