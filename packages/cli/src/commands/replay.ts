import type { EventInput, Hub } from '@omotenashi/core'
import { createProgress } from '../progress.js'
import { readEvents, sizeOf, type EventFileFormat } from '../read-events.js'
import { collectSummary, type RunSummary } from '../summary.js'

/** Options of {@link replayFile}. */
export interface ReplayOptions {
  /** File format; guessed from the extension when omitted. */
  readonly format?: EventFileFormat
  /** Events published per batch. Default 500. */
  readonly batchSize?: number
  /** Show a progress bar (only drawn on a TTY). Default true. */
  readonly progress?: boolean
}

/**
 * Replays an NDJSON or CSV event file into a running hub: valid events are published in
 * batches, invalid ones reported by line; resolves once the hub has processed everything, with
 * a summary of what happened (decisions, sends, dead letters).
 */
export async function replayFile(hub: Hub, path: string, options: ReplayOptions = {}): Promise<RunSummary> {
  const summary = collectSummary(hub)
  const total = await sizeOf(path)
  const progress = options.progress === false ? { update() {}, finish() {} } : createProgress(total, 'replay')
  const batchSize = options.batchSize ?? 500
  let batch: EventInput[] = []
  let lines: number[] = []
  let bytes = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const result = await hub.publishBatch(batch)
    summary.events.accepted += result.accepted.length
    for (const r of result.rejected) {
      summary.events.rejected++
      summary.rejections.push({ line: lines[r.index]!, code: r.code, reasons: r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)) })
    }
    batch = []
    lines = []
  }
  for await (const record of readEvents(path, options.format)) {
    bytes += record.bytes
    summary.events.read++
    if ('error' in record) {
      summary.events.rejected++
      summary.rejections.push({ line: record.line, code: 'E_PARSE', reasons: [record.error] })
      continue
    }
    batch.push(record.item as EventInput)
    lines.push(record.line)
    if (batch.length >= batchSize) {
      await flush()
      progress.update(bytes, `${summary.events.read} events`)
    }
  }
  await flush()
  await hub.drain()
  progress.finish()
  summary.rejections.sort((a, b) => a.line - b.line)
  return summary
}
