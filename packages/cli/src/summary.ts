import type { Hub } from '@omotenashi/core'

/** What a run did: events in, decisions, sends and dead letters. */
export interface RunSummary {
  events: { read: number; accepted: number; rejected: number; processed: number; byType: Record<string, number> }
  rejections: Array<{ line: number; code: string; reasons: string[] }>
  decisions: { total: number; withWinner: number; winners: Record<string, number>; blockedBy: Record<string, number> }
  sends: Record<string, number>
  deadLetters: number
}

/** Collects a {@link RunSummary} from the hub's hooks while a command runs. */
export function collectSummary(hub: Hub): RunSummary {
  const summary: RunSummary = {
    events: { read: 0, accepted: 0, rejected: 0, processed: 0, byType: {} },
    rejections: [],
    decisions: { total: 0, withWinner: 0, winners: {}, blockedBy: {} },
    sends: {},
    deadLetters: 0,
  }
  const inc = (record: Record<string, number>, key: string): void => void (record[key] = (record[key] ?? 0) + 1)
  // Decisions are read from the processed event's context: an async decide stage (decisioning)
  // records its own decisions, and the hub's decision.made hook does not fire for them.
  hub.hooks.on('event.processed', (context) => {
    summary.events.processed++
    inc(summary.events.byType, context.event.type)
    for (const decision of context.decisions) {
      summary.decisions.total++
      let won = false
      for (const candidate of decision.candidates) {
        if (candidate.status === 'won') {
          won = true
          inc(summary.decisions.winners, candidate.actionId)
        }
        if (candidate.policy !== undefined) inc(summary.decisions.blockedBy, candidate.policy)
      }
      if (won) summary.decisions.withWinner++
    }
  })
  hub.hooks.on('action.sent', (_action, channel, result) => inc(summary.sends, `${channel}:${result.status}`))
  hub.hooks.on('action.failed', (_action, channel) => inc(summary.sends, `${channel ?? 'none'}:failed`))
  hub.hooks.on('deadletter', () => void summary.deadLetters++)
  return summary
}

const table = (title: string, record: Record<string, number>): string[] => {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (entries.length === 0) return []
  const width = Math.max(...entries.map(([k]) => k.length), title.length)
  return ['', `| ${title.padEnd(width)} | count |`, `| ${'-'.repeat(width)} | ----: |`, ...entries.map(([k, v]) => `| ${k.padEnd(width)} | ${String(v).padStart(5)} |`)]
}

/** Renders a summary as text: totals, then markdown tables. */
export function formatSummary(summary: RunSummary): string {
  const e = summary.events
  const lines = [
    `events: ${e.read} read, ${e.accepted} accepted, ${e.rejected} rejected, ${e.processed} processed`,
    `decisions: ${summary.decisions.total} (${summary.decisions.withWinner} with a winner)`,
    `sends: ${Object.values(summary.sends).reduce((a, b) => a + b, 0)}, dead letters: ${summary.deadLetters}`,
    ...table('event type', e.byType),
    ...table('winning action', summary.decisions.winners),
    ...table('blocked by policy', summary.decisions.blockedBy),
    ...table('channel:status', summary.sends),
  ]
  if (summary.rejections.length > 0) {
    lines.push('', 'rejected:')
    for (const r of summary.rejections.slice(0, 20)) lines.push(`  line ${r.line}: ${r.code} ${r.reasons.join('; ')}`)
    if (summary.rejections.length > 20) lines.push(`  … and ${summary.rejections.length - 20} more`)
  }
  return lines.join('\n')
}
