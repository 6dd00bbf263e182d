import { BUILT_IN_IDENTIFIER_KINDS, KNOWN_SOURCES, STANDARD_EVENTS } from '@omotenashi/core'
import { canonicalMillis } from './instants.js'
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

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const BASE64URL_VALUE = new Map([...BASE64URL].map((c, i) => [c.charCodeAt(0), i]))
const HEX = '0123456789abcdef'
/** Where the 32 hex digits of a UUID are (its dashes are at 8, 13, 18 and 23). */
const UUID_DIGITS = [...Array(36).keys()].filter((i) => i !== 8 && i !== 13 && i !== 18 && i !== 23)

/** The value of a lower-case hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

/**
 * A lower-case UUID event id in 23 characters (`~` + base64url of its 16 bytes) instead of 36;
 * other ids as they are (`~` escaped). Digit by digit rather than through a regex and Buffers:
 * packing runs for every profile leaving the hot set.
 */
function packId(id: string): string {
  if (id.length === 36 && id.charCodeAt(8) === 45 && id.charCodeAt(13) === 45 && id.charCodeAt(18) === 45 && id.charCodeAt(23) === 45) {
    // 32 hex digits = 128 bits = 21 base64 digits of 6 bits and one of 2: read 3 hex digits (12 bits) at a time.
    const codes: number[] = [126]
    let ok = true
    for (let i = 0; i < 32; i += 3) {
      const a = hexValue(id.charCodeAt(UUID_DIGITS[i]!))
      const b = i + 1 < 32 ? hexValue(id.charCodeAt(UUID_DIGITS[i + 1]!)) : 0
      const c = i + 2 < 32 ? hexValue(id.charCodeAt(UUID_DIGITS[i + 2]!)) : 0
      if (a < 0 || b < 0 || c < 0) {
        ok = false
        break
      }
      const bits = (a << 8) | (b << 4) | c
      codes.push(BASE64URL.charCodeAt(bits >> 6))
      if (i + 1 < 32) codes.push(BASE64URL.charCodeAt(bits & 63))
    }
    if (ok) return String.fromCharCode(...codes)
  }
  return id.charCodeAt(0) === 126 ? `~${id}` : id
}

function unpackId(text: string): string {
  if (text.charCodeAt(0) !== 126) return text
  if (text.charCodeAt(1) === 126) return text.slice(1)
  const codes: number[] = []
  // Two base64 digits (12 bits) back to three hex digits; the last pair carries 4 bits of padding.
  for (let i = 1; i + 1 < text.length; i += 2) {
    const bits = (BASE64URL_VALUE.get(text.charCodeAt(i))! << 6) | BASE64URL_VALUE.get(text.charCodeAt(i + 1))!
    codes.push(HEX.charCodeAt(bits >> 8), HEX.charCodeAt((bits >> 4) & 15), HEX.charCodeAt(bits & 15))
  }
  codes.length = 32
  for (const dash of [8, 13, 18, 23]) codes.splice(dash, 0, 45)
  return String.fromCharCode(...codes)
}

/** Packs a profile into its compact string form. */
export function packProfile(profile: Profile): string {
  const base = canonicalMillis(profile.createdAt)
  // Canonical instants become offsets from createdAt; anything else stays a string.
  const t = (iso: string): number | string => {
    if (base === undefined) return iso
    const ms = canonicalMillis(iso)
    return ms === undefined ? iso : ms - base
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
  // The same field order as copyProfile (optional fields last): packed and unpacked profiles share hidden classes.
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
