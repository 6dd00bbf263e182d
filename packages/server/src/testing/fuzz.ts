import { gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import type { Scope } from '../api-keys.js'
import { seededRandom } from '@omotenashi/core'

/** Options of {@link fuzzServer}. */
export interface FuzzOptions {
  /** The server under test (requests go through `app.inject`, the whole Fastify pipeline). */
  readonly app: FastifyInstance
  /** Keys per scope (from `startTestServer`). */
  readonly keys: Readonly<Record<Scope | 'all', string>>
  /** How many requests. */
  readonly count: number
  /** Seed: the same seed sends the same requests. */
  readonly seed?: number
  /** One valid event is sent every `validEvery` requests; each must be accepted. Default 10. */
  readonly validEvery?: number
}

/** What a fuzz run saw. */
export interface FuzzReport {
  readonly requests: number
  /** Responses by status code. */
  readonly byStatus: Readonly<Record<number, number>>
  /** Requests whose answer broke a rule (5xx, or an error without a clear JSON body). */
  readonly failures: ReadonlyArray<{ readonly request: string; readonly status: number; readonly body: string }>
  /** Ids of the valid events sent in between; the caller checks the hub processed each. */
  readonly validIds: readonly string[]
  /** Valid events the server did not accept. */
  readonly validRefused: number
}

const PATHS = [
  '/v1/events', '/v1/events/batch', '/v1/cloudevents', '/v1/track', '/v1/identify', '/v1/page', '/v1/screen', '/v1/alias', '/v1/group', '/v1/batch', '/v1/import',
  '/v1/t', '/v1/i', '/v1/p', '/v1/s', '/v1/a', '/v1/g', '/v1/b',
  '/v1/profiles/{id}', '/v1/profiles/lookup', '/v1/profiles/{id}/export', '/v1/profiles/erase', '/v1/decide', '/v1/customers/{id}/decisions',
  '/v1/customers/{id}/inbox', '/v1/customers/{id}/inbox/{id}/read', '/v1/customers/{id}/inbox/{id}', '/v1/admin/dead-letters', '/v1/admin/dead-letters/{id}/redrive',
  '/health', '/ready', '/metrics', '/openapi.json', '/webhooks/fuzz', '/nope', '/', '/v1', '/v1/events/batch/extra',
]
const TYPES = ['page.viewed', 'store.checked_in', 'pos.purchased', 'product.viewed', 'profile.traits_updated', 'segment.track', 'no.such', 'BAD', '', 'a.b']
const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'application/cloudevents+json', 'application/cloudevents-batch+json',
  'text/plain', 'text/csv', 'application/vnd.example+json', 'application/x-www-form-urlencoded', 'application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x', 'garbage', '', undefined,
]

/**
 * Sends `count` random and malformed requests over every endpoint, with a valid event every few
 * requests, and checks each answer: never a 5xx, every error a JSON body with a code and a
 * message. Used by the unit tests (a few thousand) and `bench/server-fuzz.ts` (100k).
 */
export async function fuzzServer(options: FuzzOptions): Promise<FuzzReport> {
  // Seeded, so a failing run can be replayed from its seed.
  const random = seededRandom(options.seed ?? 1)
  const int = (n: number): number => Math.floor(random() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const chance = (p: number): boolean => random() < p
  const word = (): string => pick(['x', 'c-1', 'café', '%2F..%2F', '..', 'a'.repeat(600), '😀', "'; drop table", '<script>', '%00', '%E0%A4%A', '{id}', ' '])
  const value = (depth = 0): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0: return null
      case 1: return random() * 1e6 - 5e5
      case 2: return chance(0.5)
      case 3: return word()
      case 4: return pick([Number.MAX_SAFE_INTEGER, -0, 1e308, ''])
      case 5: return pick(TYPES)
      case 6: return Array.from({ length: int(4) }, () => value(depth + 1))
      case 7: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['type', 'source', 'identity', 'data', 'id', '__proto__', 'constructor', word()]), value(depth + 1)]))
      default: return { identity: { [pick(['email', 'customerId', 'x-y', 'anonymousId'])]: value(depth + 1) } }
    }
  }
  const validEvent = (n: number) => ({
    id: `fuzz-valid-${options.seed ?? 1}-${n}`,
    type: 'page.viewed',
    source: 'web',
    identity: { anonymousId: `fuzz-${n % 50}` },
    data: { path: `/fuzz/${n}` },
  })
  const mutate = (base: Record<string, unknown>): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...base }
    for (let i = 0; i <= int(3); i++) {
      const key = pick([...Object.keys(copy), 'extra', 'time', 'storeId', 'location'])
      if (chance(0.3)) delete copy[key]
      else copy[key] = value()
    }
    return copy
  }
  const body = (n: number): string | Buffer | undefined => {
    switch (int(12)) {
      case 0: return undefined
      case 1: return JSON.stringify(mutate(validEvent(n) as Record<string, unknown>))
      case 2: return JSON.stringify({ events: Array.from({ length: int(5) }, () => (chance(0.5) ? validEvent(n + 1e6) : value())) })
      case 3: return JSON.stringify({ batch: Array.from({ length: int(5) }, () => mutate({ type: pick(['track', 'page', 'identify', 'alias', 'group', 'screen', 'bogus']), userId: word(), event: word(), messageId: `m-${int(1e9)}` })) })
      case 4: return JSON.stringify(mutate({ specversion: '1.0', id: `ce-${int(1e9)}`, source: 'web', type: pick(TYPES), anonymousid: 'x', data: value() }))
      case 5: return JSON.stringify(value())
      case 6: return pick(['{', '{"a":', '[1,2', 'null', '"str"', 'nan', '\u0000', '{"__proto__":{"polluted":1}}', '[]', '{}', ''])
      case 7: return Buffer.from(Array.from({ length: int(200) }, () => int(256)))
      case 8: return 'x'.repeat(pick([10, 70_000, 300_000]))
      case 9: return gzipSync(JSON.stringify({ events: [mutate(validEvent(n + 2e6) as Record<string, unknown>)] }))
      case 10: return JSON.stringify({ identity: value(), placement: chance(0.5) ? word() : value(), limit: value(), context: value() })
      default: return JSON.stringify(Array.from({ length: int(3) }, () => value()))
    }
  }
  const auth = (): Record<string, string> => {
    switch (int(8)) {
      case 0: return {}
      case 1: return { authorization: `Bearer ${pick(Object.values(options.keys))}` }
      case 2: return { authorization: `Basic ${Buffer.from(`${pick(Object.values(options.keys))}:`).toString('base64')}` }
      case 3: return { authorization: pick(['Bearer', 'Basic !!!', 'Basic ' + Buffer.from('::').toString('base64'), 'Bearer ' + 'k'.repeat(5000), 'Token abc', '']) }
      case 4: return { 'x-api-key': pick([options.keys.ingest, 'wrong', '']) }
      default: return { authorization: `Bearer ${options.keys.all}` }
    }
  }

  const byStatus: Record<number, number> = {}
  const failures: Array<{ request: string; status: number; body: string }> = []
  const validIds: string[] = []
  let validRefused = 0
  const validEvery = options.validEvery ?? 10
  for (let n = 0; n < options.count; n++) {
    if (n % validEvery === 0) {
      const event = validEvent(n)
      const res = await options.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${options.keys.ingest}`, 'content-type': 'application/json' }, payload: JSON.stringify(event) })
      validIds.push(event.id)
      if (res.statusCode !== 200) validRefused++
      continue
    }
    const method = pick(['GET', 'POST', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'] as const)
    let url = pick(PATHS).replace(/\{id\}/g, () => encodeURIComponent(word()))
    if (chance(0.2)) url += `?${pick(['limit', 'since', 'unreadOnly', 'stage', 'access_token', 'x'])}=${encodeURIComponent(String(value()))}`
    if (chance(0.02)) url = '/' + word()
    const headers: Record<string, string> = { ...auth() }
    const contentType = pick(CONTENT_TYPES)
    if (contentType !== undefined) headers['content-type'] = contentType
    if (chance(0.1)) headers['content-encoding'] = pick(['gzip', 'br', 'deflate', 'identity', 'x'])
    if (chance(0.05)) headers['origin'] = pick(['https://shop.example.jp', 'null'])
    // CloudEvents binary mode: ce-* headers, some missing, some malformed.
    if (chance(0.15)) {
      for (const [name, good] of [['ce-specversion', '1.0'], ['ce-id', `bin-${int(1e9)}`], ['ce-source', 'web'], ['ce-type', pick(TYPES)], ['ce-anonymousid', 'x'], ['ce-time', '2026-03-02T01:00:00Z']] as const) {
        if (chance(0.8)) headers[name] = chance(0.8) ? good : pick(['', '%', '%E0%A4%A', '0.3', 'a'.repeat(300), 'not a time', '\u00ff'])
      }
      if (chance(0.1)) headers[pick(['ce-Bad_Name', 'ce-', 'ce-data', 'ce-datacontenttype'])] = 'x'
    }
    const payload = method === 'GET' || method === 'HEAD' ? undefined : body(n)
    const res = await options.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) })
    byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1
    const describe = `${method} ${url} ${JSON.stringify(headers).slice(0, 200)} ${String(payload).slice(0, 200)}`
    if (res.statusCode >= 500) {
      failures.push({ request: describe, status: res.statusCode, body: res.body.slice(0, 500) })
      continue
    }
    if (res.statusCode >= 400 && method !== 'HEAD') {
      let parsed: { error?: { code?: unknown; message?: unknown } } | undefined
      try {
        parsed = JSON.parse(res.body) as typeof parsed
      } catch {}
      const clear = typeof parsed?.error?.code === 'string' && typeof parsed.error.message === 'string' && parsed.error.message.length > 0
      if (!clear) failures.push({ request: describe, status: res.statusCode, body: res.body.slice(0, 500) })
    }
  }
  return { requests: options.count, byStatus, failures, validIds, validRefused }
}
