import type { OutboundMessage } from '@omotenashi/core'
import type * as z from 'zod'
import { compileCondition, compileValue, type CompileEnv, type Predicate, type StockLookup } from './condition-compiler.js'
import { parseDuration } from '@omotenashi/core'
import type { Facts } from './facts.js'
import type { Getter } from './paths.js'
import { type ActionSchema, type ContentSpec } from './schema.js'
import { compileTemplate, type Template } from './templates.js'

type ActionParsed = z.output<typeof ActionSchema>

interface CompiledContent {
  readonly title?: Template
  readonly text?: Template
  readonly url?: Template
  readonly template?: string
  readonly extra?: Readonly<Record<string, unknown>>
}

/** Content by locale for one channel key (`default`, `line`, …). */
type LocaleContents = ReadonlyMap<string, CompiledContent>

/** An action of the catalogue, compiled. */
export interface CompiledAction {
  readonly id: string
  readonly name?: string
  readonly kind: 'message' | 'staff'
  readonly channels: readonly string[]
  readonly value: number
  readonly lever: number
  readonly priority: number
  readonly propensity?: number
  readonly eligibility: Predicate
  readonly validFrom?: number
  readonly validUntil?: number
  readonly cooldownMs?: number
  readonly maxPerCustomer?: number
  readonly maxPerCustomerWithinMs?: number
  readonly holdout: number
  readonly quietHours: 'defer' | 'drop' | 'ignore'
  readonly purpose: string
  readonly item?: Getter
  readonly insteadIfBought?: string
  readonly placements?: ReadonlySet<string>
  readonly stockLookups: readonly StockLookup[]
  readonly contextKeys: ReadonlySet<string>
  /** Renders the message for a locale (`ja-JP` falls back to `ja`, then `default`). */
  render(facts: Facts, locale: string, channels: readonly string[]): Omit<OutboundMessage, 'actionId'>
}

const CONTENT_KEYS = new Set(['title', 'text', 'url', 'template', 'extra'])

function isContent(value: unknown): value is ContentSpec {
  return typeof value === 'object' && value !== null && Object.keys(value).every((k) => CONTENT_KEYS.has(k))
}

/** Compiles one validated action; problems go to `env.problems` with their paths. */
export function compileAction(spec: ActionParsed, path: ReadonlyArray<string | number>, env: CompileEnv): CompiledAction {
  env.stockLookups = []
  env.contextKeys = new Set()
  const eligibility = spec.eligibility ? compileCondition(spec.eligibility, [...path, 'eligibility'], env) : () => true
  const item = spec.item === undefined ? undefined : compileValue(spec.item, [...path, 'item'], env)
  const contents = new Map<string, LocaleContents>()
  for (const [channel, localised] of Object.entries(spec.content ?? {})) {
    const byLocale = new Map<string, CompiledContent>()
    const entries: Array<[string, ContentSpec]> = isContent(localised) ? [['default', localised]] : Object.entries(localised as Record<string, ContentSpec>)
    for (const [locale, content] of entries) {
      const problems: string[] = []
      const compiled: CompiledContent = {
        ...(content.title === undefined ? {} : { title: compileTemplate(content.title, env.computed, problems) }),
        ...(content.text === undefined ? {} : { text: compileTemplate(content.text, env.computed, problems) }),
        ...(content.url === undefined ? {} : { url: compileTemplate(content.url, env.computed, problems) }),
        ...(content.template === undefined ? {} : { template: content.template }),
        ...(content.extra === undefined ? {} : { extra: content.extra }),
      }
      for (const message of problems) env.problems.push({ path: [...path, 'content', channel, locale], message })
      byLocale.set(locale, compiled)
    }
    contents.set(channel, byLocale)
  }
  const window = (value: string | undefined): number | undefined => (value === undefined ? undefined : Date.parse(value))
  if (spec.maxPerCustomerWithin !== undefined && spec.maxPerCustomer === undefined) {
    env.problems.push({ path: [...path, 'maxPerCustomerWithin'], message: 'needs maxPerCustomer' })
  }
  const stockLookups = env.stockLookups
  const contextKeys = env.contextKeys
  return {
    id: spec.id,
    ...(spec.name === undefined ? {} : { name: spec.name }),
    kind: spec.kind ?? 'message',
    channels: spec.channels ?? [],
    value: spec.value ?? 1,
    lever: spec.lever ?? 1,
    priority: spec.priority ?? 0,
    ...(spec.propensity === undefined ? {} : { propensity: spec.propensity }),
    eligibility,
    ...(spec.validFrom === undefined ? {} : { validFrom: window(spec.validFrom)! }),
    ...(spec.validUntil === undefined ? {} : { validUntil: window(spec.validUntil)! }),
    ...(spec.cooldown === undefined ? {} : { cooldownMs: parseDuration(spec.cooldown, { field: 'cooldown' }) }),
    ...(spec.maxPerCustomer === undefined ? {} : { maxPerCustomer: spec.maxPerCustomer }),
    ...(spec.maxPerCustomerWithin === undefined ? {} : { maxPerCustomerWithinMs: parseDuration(spec.maxPerCustomerWithin, { field: 'maxPerCustomerWithin' }) }),
    holdout: spec.holdout ?? 0,
    quietHours: spec.quietHours ?? 'defer',
    purpose: spec.purpose ?? 'marketing',
    ...(item === undefined ? {} : { item }),
    ...(spec.insteadIfBought === undefined ? {} : { insteadIfBought: spec.insteadIfBought }),
    ...(spec.placements === undefined ? {} : { placements: new Set(spec.placements) }),
    stockLookups,
    contextKeys,
    render(facts, locale, channels) {
      // Every pull answer and send renders: no closures, spreads or key lists here.
      const base = pick(contents.get('default'), locale) ?? (channels[0] === undefined ? undefined : pick(contents.get(channels[0]), locale)) ?? pick(contents.values().next().value, locale)
      let perChannel: Record<string, unknown> | undefined
      for (const channel of channels) {
        const c = pick(contents.get(channel), locale)
        if (c) (perChannel ??= {})[channel] = renderContent(c, facts, true)
      }
      const out: { -readonly [K in keyof OutboundMessage]?: OutboundMessage[K] } & Record<string, unknown> = { locale }
      // The same keys in the same order as `{ locale, ...base, content?, variables? }`.
      if (base) {
        if (base.title !== undefined) out.title = base.title(facts)
        if (base.text !== undefined) out.text = base.text(facts)
        if (base.url !== undefined) out.url = base.url(facts)
        if (base.template !== undefined) out.template = base.template
      }
      if (perChannel !== undefined) out.content = perChannel
      if (facts.vars !== undefined && hasKeys(facts.vars)) out.variables = facts.vars
      return out as Omit<OutboundMessage, 'actionId'>
    },
  }
}

/** The content for a locale (`ja-JP` falls back to `ja`, then `default`, then the first given). */
function pick(byLocale: LocaleContents | undefined, locale: string): CompiledContent | undefined {
  if (!byLocale) return undefined
  const dash = locale.indexOf('-')
  return byLocale.get(locale) ?? byLocale.get(dash < 0 ? locale : locale.slice(0, dash)) ?? byLocale.get('default') ?? byLocale.values().next().value
}

function hasKeys(record: object): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true
  return false
}

function renderContent(c: CompiledContent, facts: Facts, extra: boolean): { title?: string; text?: string; url?: string; template?: string } & Record<string, unknown> {
  return {
    ...(c.title === undefined ? {} : { title: c.title(facts) }),
    ...(c.text === undefined ? {} : { text: c.text(facts) }),
    ...(c.url === undefined ? {} : { url: c.url(facts) }),
    ...(c.template === undefined ? {} : { template: c.template }),
    ...(extra ? (c.extra ?? {}) : {}),
  }
}
