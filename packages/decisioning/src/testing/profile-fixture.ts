import type { Profile } from '@omotenashi/profile'

/** What {@link profileFixture} takes: the parts of a profile a test cares about, in short form. */
export interface ProfileFixture {
  readonly id?: string
  readonly at?: string
  /** Trait values by name. */
  readonly traits?: Readonly<Record<string, unknown>>
  /** Identifier values by kind. */
  readonly identifiers?: Readonly<Record<string, readonly string[]>>
  /** Channels consented to (purpose `*`). */
  readonly consent?: readonly string[]
  /** Channels known unreachable, with the reason. */
  readonly unreachable?: Readonly<Record<string, string>>
  readonly timeZone?: string
  readonly locale?: string
  /** Interests: sku → kind → ISO time. */
  readonly interests?: Profile['interests']
  readonly answers?: Profile['answers']
  readonly activity?: Profile['activity']
}

/**
 * A valid {@link Profile} from a short description, for tests of rules and policies that do not
 * need a whole hub.
 */
export function profileFixture(f: ProfileFixture = {}): Profile {
  const at = f.at ?? '2026-01-01T00:00:00.000Z'
  const traits: Profile['traits'] = {}
  for (const [name, value] of Object.entries(f.traits ?? {})) traits[name] = { value, source: 'test', at }
  const identifiers: Profile['identifiers'] = {}
  for (const [kind, values] of Object.entries(f.identifiers ?? {})) identifiers[kind] = values.map((value) => ({ value, firstSeen: at, lastSeen: at }))
  const consent: Profile['consent'] = {}
  for (const channel of f.consent ?? []) consent[channel] = { '*': { granted: true, source: 'test', at } }
  const reachability: Profile['reachability'] = {}
  for (const [channel, reason] of Object.entries(f.unreachable ?? {})) reachability[channel] = { reachable: false, reason, at }
  return {
    id: f.id ?? 'c-1',
    version: 1,
    createdAt: at,
    updatedAt: at,
    identifiers,
    traits,
    consent,
    reachability,
    ...(f.timeZone === undefined ? {} : { timeZone: f.timeZone }),
    ...(f.locale === undefined ? {} : { locale: f.locale }),
    interests: f.interests ?? {},
    answers: f.answers ?? [],
    activity: f.activity ?? [],
    mergedFrom: [],
  }
}
