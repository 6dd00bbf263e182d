import type { Profile } from '@omotenashi/profile'
import type { Facts } from './facts.js'

/** Reads one value from the facts. Compiled once per path at load. */
export type Getter = (facts: Facts) => unknown

/** The roots a path may start with. */
export const PATH_ROOTS = ['event', 'data', 'profile', 'context', 'vars'] as const

/** Computed-trait functions adopters register, read as `profile.computed.<name>`. */
export type ComputedTraits = Readonly<Record<string, (profile: Profile, now: number) => unknown>>

/**
 * Compiles a dotted path (`data.newPrice`, `profile.traits.tier`, `data.items.*.sku`) into a
 * getter, or returns a reason why it cannot be read. `*` maps over an array.
 */
export function compilePath(path: string, computed: ComputedTraits = {}): Getter | string {
  const parts = path.split('.')
  if (parts.some((p) => p.length === 0)) return `"${path}" has an empty segment`
  const [root, ...rest] = parts as [string, ...string[]]
  switch (root) {
    case 'data':
      return walk((f) => f.event.data, rest)
    case 'event':
      if (rest[0] === 'data') return walk((f) => f.event.data, rest.slice(1))
      return walk((f) => f.event, rest)
    case 'context':
      return walk((f) => f.context, rest)
    case 'vars':
      return walk((f) => f.vars, rest)
    case 'profile':
      return profilePath(rest, computed, path)
    default:
      return `"${path}" must start with one of ${PATH_ROOTS.join(', ')}`
  }
}

function profilePath(rest: string[], computed: ComputedTraits, path: string): Getter | string {
  const [section, name, ...tail] = rest
  if (section === undefined) return (f) => f.profile
  const needName = (): string => `"${path}" needs a name after profile.${section}`
  switch (section) {
    case 'traits':
      if (name === undefined) return needName()
      return walk((f) => f.profile?.traits[name]?.value, tail)
    case 'computed': {
      if (name === undefined) return needName()
      // Looked up when read: the profile package's definitions are registered once the hub is built.
      // Without a function, a computed trait is read from the traits the profile stage wrote.
      return walk((f) => {
        if (!f.profile) return undefined
        const fn = computed[name]
        return fn ? fn(f.profile, f.context.now) : f.profile.traits[name]?.value
      }, tail)
    }
    case 'consent': {
      if (name === undefined) return needName()
      const purpose = tail[0] ?? '*'
      return (f) => {
        const byPurpose = f.profile?.consent[name]
        return (byPurpose?.[purpose] ?? byPurpose?.['*'])?.granted
      }
    }
    case 'reachable':
      if (name === undefined) return needName()
      return (f) => f.profile?.reachability[name]?.reachable
    case 'interests':
      return walk((f) => f.profile?.interests, rest.slice(1))
    case 'answers':
      if (name === undefined) return (f) => f.profile?.answers
      return walk((f) => latestAnswer(f.profile, name), tail)
    case 'identifiers':
      if (name === undefined) return (f) => f.profile?.identifiers
      return (f) => f.profile?.identifiers[name]?.map((r) => r.value)
    default:
      return walk((f) => f.profile, rest)
  }
}

function latestAnswer(profile: Profile | undefined, questionId: string): unknown {
  const answers = profile?.answers
  if (!answers) return undefined
  for (let i = answers.length - 1; i >= 0; i--) if (answers[i]!.questionId === questionId) return answers[i]!.answer
  return undefined
}

/** Builds a getter walking `keys` from `base`, specialised for short paths (the hot path). */
function walk(base: Getter, keys: readonly string[]): Getter {
  if (keys.includes('*')) return (f) => walkAny(base(f), keys, 0)
  switch (keys.length) {
    case 0:
      return base
    case 1: {
      const [a] = keys as [string]
      return (f) => (base(f) as Record<string, unknown> | undefined)?.[a]
    }
    case 2: {
      const [a, b] = keys as [string, string]
      return (f) => ((base(f) as Record<string, Record<string, unknown> | undefined> | undefined)?.[a])?.[b]
    }
    default:
      return (f) => walkAny(base(f), keys, 0)
  }
}

function walkAny(value: unknown, keys: readonly string[], from: number): unknown {
  let current = value
  for (let i = from; i < keys.length; i++) {
    if (current === null || current === undefined) return undefined
    const key = keys[i]!
    if (key === '*') {
      if (!Array.isArray(current)) return undefined
      const out: unknown[] = []
      for (const item of current) {
        const v = walkAny(item, keys, i + 1)
        if (Array.isArray(v) && keys.indexOf('*', i + 1) !== -1) out.push(...(v as unknown[]))
        else if (v !== undefined) out.push(v)
      }
      return out
    }
    current = (current as Record<string, unknown>)[key]
  }
  return current
}
