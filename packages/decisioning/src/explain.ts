import type { Decision } from '@omotenashi/core'

/**
 * A decision as lines a person reads: the winner first, then each other candidate with its
 * score, its fate and the rule or policy behind it.
 */
export function explain(decision: Decision): string[] {
  const lines = [`${decision.id} for ${decision.trigger} at ${decision.at}${decision.holdout ? ' (holdout: nothing sent)' : ''}`]
  const order = { won: 0, deferred: 1, holdout: 2, eligible: 3, blocked: 4, ineligible: 5 } as const
  for (const c of [...decision.candidates].sort((a, b) => order[a.status] - order[b.status])) {
    const score = c.score === undefined ? '' : ` score ${Math.round(c.score * 10_000) / 10_000}`
    const policy = c.policy === undefined ? '' : ` [${c.policy}]`
    lines.push(`  ${c.status.toUpperCase()} ${c.actionId}${score}${policy}: ${c.reasons.join('; ')}`)
  }
  for (const a of decision.actions) lines.push(`  → ${a.actionId} via ${a.channels.join(' → ')}`)
  return lines
}
