import { BUILT_IN_IDENTIFIER_KINDS, KNOWN_SOURCES, STANDARD_EVENTS } from '@omotenashi/core'
import { dataRecord } from './merge.js'
import { INTEREST_KINDS, type Activity, type Answer, type Consent, type IdentifierRecord, type Profile, type Reachability, type Trait } from './profile.js'

/*
 * A compact text form of a profile, for profiles the memory store is not using right now.
 * A live profile is a tree of small objects and 24-character ISO strings (2–4 KB for a profile
 * with a handful of events); packed, it is one flat string about a quarter of that size.
 *
 * Layout: a JSON array of positional fields. Instants are milliseconds relative to `createdAt`
 * (an instant that is not a canonical UTC ISO string is kept as its string, so nothing is lost);
 * built-in identifier kinds, sources and standard event types are small integers.
 */

const FORMAT = 1
const KINDS: readonly string[] = BUILT_IN_IDENTIFIER_KINDS
const SOURCES: readonly string[] = KNOWN_SOURCES
const TYPES: readonly string[] = Object.keys(STANDARD_EVENTS)
const KIND_INDEX = new Map(KINDS.map((k, i) => [k, i]))
const SOURCE_INDEX = new Map(SOURCES.map((k, i) => [k, i]))
const TYPE_INDEX = new Map(TYPES.map((k, i) => [k, i]))

type Packed = unknown[]

function code(index: ReadonlyMap<string, number>, value: string): number | string {
  return index.get(value) ?? value
}

function name(table: readonly string[], value: unknown): string {
  return typeof value === 'number' ? table[value]! : (value as string)
}

function isCanonical(iso: string): boolean {
  return iso.length === 24 && iso.charCodeAt(23) === 90 && new Date(Date.parse(iso)).toISOString() === iso
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A UUID event id in 23 characters (`~` + base64url of its 16 bytes) instead of 36; other ids as they are (`~` escaped). */
function packId(id: string): string {
  if (UUID.test(id)) return `~${Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url')}`
  return id.startsWith('~') ? `~${id}` : id
}

function unpackId(text: string): string {
  if (!text.startsWith('~')) return text
  if (text.startsWith('~~')) return text.slice(1)
  const hex = Buffer.from(text.slice(1), 'base64url').toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Packs a profile into its compact string form. */
export function packProfile(profile: Profile): string {
  const base = isCanonical(profile.createdAt) ? Date.parse(profile.createdAt) : undefined
  // Canonical instants become offsets from createdAt; anything else stays a string.
  const t = (iso: string): number | string => {
    if (base === undefined || iso.length !== 24 || iso.charCodeAt(23) !== 90) return iso
    const offset = Date.parse(iso) - base
    return Number.isNaN(offset) ? iso : offset
  }
  const identifiers: Packed = []
  for (const [kind, records] of Object.entries(profile.identifiers)) {
    identifiers.push(code(KIND_INDEX, kind), records.length)
    for (const r of records) identifiers.push(r.value, t(r.firstSeen), t(r.lastSeen))
  }
  const traits: Packed = []
  for (const [key, trait] of Object.entries(profile.traits)) traits.push(key, trait.value === undefined ? null : trait.value, code(SOURCE_INDEX, trait.source), t(trait.at), trait.value === undefined ? 1 : 0)
  const consent: Packed = []
  for (const [channel, purposes] of Object.entries(profile.consent)) {
    for (const [purpose, c] of Object.entries(purposes)) consent.push(channel, purpose, c.granted ? 1 : 0, code(SOURCE_INDEX, c.source), t(c.at))
  }
  const reachability: Packed = []
  for (const [channel, r] of Object.entries(profile.reachability)) reachability.push(channel, r.reachable ? 1 : 0, t(r.at), r.reason ?? 0)
  const interests: Packed = []
  for (const [sku, kinds] of Object.entries(profile.interests)) {
    let mask = 0
    const times: Packed = []
    INTEREST_KINDS.forEach((kind, i) => {
      const at = kinds[kind]
      if (at !== undefined) {
        mask |= 1 << i
        times.push(t(at))
      }
    })
    interests.push(sku, mask, ...times)
  }
  const activity: Packed = []
  for (const a of profile.activity) {
    // Bit 0: value, 1: storeId, 2: sku.
    const mask = (a.value === undefined ? 0 : 1) | (a.storeId === undefined ? 0 : 2) | (a.sku === undefined ? 0 : 4)
    activity.push(code(TYPE_INDEX, a.type), t(a.at), mask)
    if (a.value !== undefined) activity.push(a.value)
    if (a.storeId !== undefined) activity.push(a.storeId)
    if (a.sku !== undefined) activity.push(a.sku)
  }
  const packed: Packed = [
    FORMAT,
    profile.id,
    profile.version,
    base ?? profile.createdAt,
    t(profile.updatedAt),
    identifiers,
    traits,
    consent,
    reachability,
    profile.timeZone ?? 0,
    profile.locale ?? 0,
    interests,
    profile.answers.length === 0 ? 0 : profile.answers.map((a) => ({ ...a, at: t(a.at) })),
    activity,
    profile.mergedFrom.length === 0 ? 0 : profile.mergedFrom,
    profile.appliedEventIds?.map(packId) ?? 0,
  ]
  return JSON.stringify(packed)
}

/** Unpacks a string made by {@link packProfile}. */
export function unpackProfile(text: string): Profile {
  const p = JSON.parse(text) as Packed
  if (p[0] !== FORMAT) throw new Error(`unknown packed profile format ${String(p[0])}`)
  const created = p[3] as number | string
  const base = typeof created === 'number' ? created : undefined
  const t = (v: unknown): string => (typeof v === 'number' ? new Date(base! + v).toISOString() : (v as string))
  const identifiers: Record<string, IdentifierRecord[]> = {}
  const ids = p[5] as Packed
  for (let i = 0; i < ids.length; ) {
    const kind = name(KINDS, ids[i++])
    const n = ids[i++] as number
    const records: IdentifierRecord[] = []
    for (let j = 0; j < n; j++, i += 3) records.push({ value: ids[i] as string, firstSeen: t(ids[i + 1]), lastSeen: t(ids[i + 2]) })
    identifiers[kind] = records
  }
  const traits: Record<string, Trait> = {}
  const tr = p[6] as Packed
  for (let i = 0; i < tr.length; i += 5) traits[tr[i] as string] = { value: tr[i + 4] === 1 ? undefined : tr[i + 1], source: name(SOURCES, tr[i + 2]), at: t(tr[i + 3]) }
  const consent: Record<string, Record<string, Consent>> = {}
  const co = p[7] as Packed
  for (let i = 0; i < co.length; i += 5) {
    ;(consent[co[i] as string] ??= {})[co[i + 1] as string] = { granted: co[i + 2] === 1, source: name(SOURCES, co[i + 3]), at: t(co[i + 4]) }
  }
  const reachability: Record<string, Reachability> = {}
  const re = p[8] as Packed
  for (let i = 0; i < re.length; i += 4) {
    const reason = re[i + 3]
    reachability[re[i] as string] = typeof reason === 'string' ? { reachable: re[i + 1] === 1, at: t(re[i + 2]), reason } : { reachable: re[i + 1] === 1, at: t(re[i + 2]) }
  }
  const interests: Profile['interests'] = dataRecord()
  const it = p[11] as Packed
  for (let i = 0; i < it.length; ) {
    const sku = it[i++] as string
    const mask = it[i++] as number
    const kinds: Profile['interests'][string] = {}
    INTEREST_KINDS.forEach((kind, k) => {
      if (mask & (1 << k)) kinds[kind] = t(it[i++])
    })
    interests[sku] = kinds
  }
  const activity: Activity[] = []
  const ac = p[13] as Packed
  for (let i = 0; i < ac.length; ) {
    const type = name(TYPES, ac[i++])
    const at = t(ac[i++])
    const mask = ac[i++] as number
    const fact: { -readonly [K in keyof Activity]: Activity[K] } = { type, at }
    if (mask & 1) fact.value = ac[i++] as number
    if (mask & 2) fact.storeId = ac[i++] as string
    if (mask & 4) fact.sku = ac[i++] as string
    activity.push(fact)
  }
  const answers = p[12] === 0 ? [] : (p[12] as Array<Answer & { at: unknown }>).map((a) => ({ ...a, at: t(a.at) }))
  const profile: Profile = {
    id: p[1] as string,
    version: p[2] as number,
    createdAt: typeof created === 'number' ? new Date(created).toISOString() : created,
    updatedAt: t(p[4]),
    identifiers,
    traits,
    consent,
    reachability,
    interests,
    answers,
    activity,
    mergedFrom: p[14] === 0 ? [] : (p[14] as string[]),
  }
  if (p[9] !== 0) profile.timeZone = p[9] as string
  if (p[10] !== 0) profile.locale = p[10] as string
  if (p[15] !== 0) profile.appliedEventIds = (p[15] as string[]).map(unpackId)
  return profile
}
