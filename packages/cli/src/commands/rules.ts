import { readFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { createHub, recordingChannel, VirtualClock, type ChannelCapabilities, type Decision, type EventInput } from '@omotenashi/core'
import { compileRuleBook, decisioning, formatProblem, loadRules, RulesError, type RuleBook } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { parse as parseYaml } from 'yaml'
import * as z from 'zod'

/** What `rules validate` found. */
export interface ValidateResult {
  readonly ok: boolean
  readonly rules: number
  readonly actions: number
  readonly segments: number
  /** Every problem as `file:line path: reason`. */
  readonly problems: readonly string[]
}

/**
 * Loads and checks rule files: syntax, schema, and (unless `references` is false) that every
 * action and segment a rule names is defined in the files given.
 */
export async function validateRules(globs: readonly string[], options: { readonly cwd?: string; readonly references?: boolean } = {}): Promise<ValidateResult> {
  try {
    const book = await loadRules(globs, options.cwd === undefined ? {} : { cwd: options.cwd })
    if (options.references !== false) compileRuleBook(book, { checkReferences: true })
    return { ok: true, rules: book.rules.length, actions: book.actions.length, segments: book.segments.length, problems: [] }
  } catch (error) {
    if (error instanceof RulesError) return { ok: false, rules: 0, actions: 0, segments: 0, problems: error.problems.map(formatProblem) }
    throw error
  }
}

const ExpectedDecision = z.object({
  trigger: z.string().min(1).optional(),
  /** The winning action, or null when nothing should win. */
  winner: z.string().min(1).nullable().optional(),
  /** Actions that a policy must have blocked: action id → policy. */
  blocked: z.record(z.string(), z.string()).optional(),
})

/** A rules fixture: events in, the decisions expected out. */
export const RulesFixtureSchema = z.object({
  name: z.string().min(1).optional(),
  /** Rule files (globs, relative to the fixture). Default: the `--rules` option. */
  rules: z.union([z.string(), z.array(z.string())]).optional(),
  /** When the virtual clock starts (ISO). Default 2026-03-01T09:00:00+09:00. */
  start: z.iso.datetime({ offset: true }).optional(),
  /** Events published in order; the clock moves to each event's `time` first. */
  events: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Move the clock on this many ms after the last event (delayed steps fire). */
  afterMs: z.number().int().nonnegative().optional(),
  /** The decisions expected, in order (every decision made must be listed). */
  expect: z.array(ExpectedDecision),
})

/** A rules fixture. */
export type RulesFixture = z.infer<typeof RulesFixtureSchema>

/** The outcome of one fixture. */
export interface FixtureResult {
  readonly file: string
  readonly name: string
  readonly passed: boolean
  /** Differences, one per line (`- expected` / `+ got`). */
  readonly diff: readonly string[]
}

const describeDecision = (d: Decision): { trigger: string; winner: string | null; blocked: Record<string, string> } => ({
  trigger: d.trigger,
  winner: d.candidates.find((c) => c.status === 'won')?.actionId ?? null,
  blocked: Object.fromEntries(d.candidates.filter((c) => c.policy !== undefined).map((c) => [c.actionId, c.policy!])),
})

/** What the built-in channels address, so recording stand-ins behave like them in channel choice. */
const CHANNEL_CAPABILITIES: Readonly<Record<string, ChannelCapabilities>> = {
  line: { addressKind: 'lineUserId', rich: true, twoWay: true },
  email: { addressKind: 'email', rich: true },
  push: { addressKind: 'deviceToken' },
  staff: { storeAddressed: true },
  inbox: {},
}

/** Recording stand-ins for every channel the book's actions name (nothing leaves the process). */
function standInChannels(book: RuleBook) {
  const ids = new Set<string>(Object.keys(CHANNEL_CAPABILITIES))
  for (const entry of [...book.actions, ...book.rules]) {
    const spec = entry.spec as { channels?: unknown; do?: { channels?: unknown } } | null
    for (const list of [spec?.channels, spec?.do?.channels]) if (Array.isArray(list)) for (const c of list) if (typeof c === 'string') ids.add(c)
  }
  return [...ids].map((id) => recordingChannel({ id, capabilities: CHANNEL_CAPABILITIES[id] ?? {} }))
}

/** Runs one fixture file against its rules on a fresh hub with a virtual clock. */
export async function runRulesFixture(file: string, options: { readonly rules?: readonly string[]; readonly cwd?: string } = {}): Promise<FixtureResult> {
  const path = resolve(options.cwd ?? process.cwd(), file)
  const shown = relative(options.cwd ?? process.cwd(), path) || path
  const parsed = RulesFixtureSchema.safeParse(parseYaml(await readFile(path, 'utf8')))
  if (!parsed.success) {
    return { file: shown, name: shown, passed: false, diff: parsed.error.issues.map((i) => `! fixture ${i.path.join('.') || '(root)'}: ${i.message}`) }
  }
  const fixture = parsed.data
  const name = fixture.name ?? shown
  const globs = fixture.rules === undefined ? options.rules : typeof fixture.rules === 'string' ? [fixture.rules] : fixture.rules
  if (!globs || globs.length === 0) return { file: shown, name, passed: false, diff: ['! no rules: give `rules:` in the fixture or --rules'] }
  let book: RuleBook
  try {
    book = await loadRules(globs, { cwd: fixture.rules === undefined ? (options.cwd ?? process.cwd()) : dirname(path) })
  } catch (error) {
    if (error instanceof RulesError) return { file: shown, name, passed: false, diff: error.problems.map((p) => `! ${formatProblem(p)}`) }
    throw error
  }
  const clock = new VirtualClock(fixture.start ?? '2026-03-01T09:00:00+09:00')
  const decisions: Decision[] = []
  const hub = await createHub({ clock, modules: [profiles(), decisioning({ rules: book, onDecision: (d) => decisions.push(d) }), ...standInChannels(book)], emitOutcomes: false })
  await hub.start()
  const diff: string[] = []
  try {
    for (const [i, event] of fixture.events.entries()) {
      if (typeof event['time'] === 'string') await clock.advanceTo(event['time'])
      try {
        await hub.publish(event as EventInput)
        await hub.drain()
      } catch (error) {
        diff.push(`! events.${i}: ${(error as Error).message}`)
      }
    }
    if (fixture.afterMs !== undefined) await clock.advance(fixture.afterMs)
    await hub.drain()
  } finally {
    await hub.stop()
  }
  const got = decisions.map(describeDecision)
  const count = Math.max(got.length, fixture.expect.length)
  for (let i = 0; i < count; i++) {
    const want = fixture.expect[i]
    const have = got[i]
    const show = (d: { trigger?: string | undefined; winner?: string | null | undefined; blocked?: Record<string, string> | undefined }): string =>
      `trigger ${d.trigger ?? '*'}, winner ${d.winner === undefined ? '*' : (d.winner ?? 'none')}${d.blocked && Object.keys(d.blocked).length > 0 ? `, blocked ${Object.entries(d.blocked).map(([a, p]) => `${a} by ${p}`).join(', ')}` : ''}`
    if (!want) {
      diff.push(`+ decision ${i + 1}: ${show(have!)} (not expected)`)
      continue
    }
    if (!have) {
      diff.push(`- decision ${i + 1}: ${show(want)} (never made)`)
      continue
    }
    const blockedOk = Object.entries(want.blocked ?? {}).every(([action, policy]) => have.blocked[action] === policy)
    if ((want.trigger !== undefined && want.trigger !== have.trigger) || (want.winner !== undefined && want.winner !== have.winner) || !blockedOk) {
      diff.push(`- decision ${i + 1}: ${show(want)}`, `+ decision ${i + 1}: ${show(have)}`)
    }
  }
  return { file: shown, name, passed: diff.length === 0, diff }
}
