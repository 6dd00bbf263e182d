import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { deleteHub } from '@omotenashi/bus-nats'
import { Tokens } from '@omotenashi/core'
import { isReachable } from '@omotenashi/core/testing'
import { loadRules } from '@omotenashi/decisioning'
import { ProfileTokens } from '@omotenashi/profile'
import { connect } from 'nats'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { checkGuide, workspacePackages } from './check-snippets.js'
import { assembleHub, publishEvents, seeWhy } from './snippets/getting-started-hub.js'
import { hubWithLine } from './snippets/getting-started-line.js'
import { scaledHub } from './snippets/getting-started-scale.js'

const rulesOfTheGuide = () => loadRules('getting-started-rules.yaml', { cwd: fileURLToPath(new URL('snippets/', import.meta.url)) })

describe('docs: getting started', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('quotes every snippet exactly, and every code block is a snippet this test runs', () => {
    const report = checkGuide('getting-started')
    expect(report.unexecuted.map((f) => `line ${f.line}: ${f.body.slice(0, 60)}`)).toEqual([])
    expect(report.unquoted).toEqual([])
  })

  it('installs only packages that exist', () => {
    const ours = workspacePackages()
    const require = createRequire(import.meta.url)
    const names = checkGuide('getting-started').shell.flatMap((f) => f.body.split(/\s+/).filter((w) => !['npm', 'install'].includes(w)))
    expect(names.length).toBeGreaterThan(5)
    for (const name of names) {
      if (name.startsWith('@omotenashi/')) expect(ours, name).toContain(name)
      else expect(() => require.resolve(name), name).not.toThrow()
    }
  })

  it('assembles a hub, publishes events, sends, and explains why', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const { hub, push } = await assembleHub()
    const aiko = await publishEvents(hub, push)
    // What the snippet's comment promises.
    expect(log).toHaveBeenLastCalledWith(['shibuya店で使えるクーポン'])
    expect(push.sent).toHaveLength(1)
    expect(push.sent[0]!.recipient.identifiers['deviceToken']).toEqual(['fcm:aiko-phone'])
    log.mockClear()
    await seeWhy(hub, aiko)
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n')
    expect(printed).toMatch(/BLOCKED store-welcome \[cooldown\]: rule near-store-welcome@1; cool-down/)
    expect(printed).toMatch(/WON store-welcome score [\d.]+: rule near-store-welcome@1; channels skipped: line: not installed; email: not installed/)
    expect(printed).toMatch(/→ store-welcome via push/)
    expect(push.sent).toHaveLength(1) // the second moment sent nothing
    await hub.stop()
  })

  it('adds a real channel by adding its module', async () => {
    vi.stubEnv('LINE_CHANNEL_ACCESS_TOKEN', 'a-token-for-the-test')
    vi.stubEnv('LINE_CHANNEL_SECRET', 'a-secret-for-the-test')
    const hub = await hubWithLine(await rulesOfTheGuide())
    expect(hub.container.getAll(Tokens.Channel).map((c) => c.id)).toEqual(['line'])
    expect(hub.container.getAll(Tokens.HttpRoute).map((r) => `${r.method} ${r.path}`)).toContain('POST /webhooks/line')
    vi.unstubAllEnvs()
  })

  it('runs the same hub on PostgreSQL and NATS JetStream', async (ctx) => {
    const up = (await isReachable(5432)) && (await isReachable(4222))
    if (!up) {
      if (process.env['OMOTENASHI_REQUIRE_SERVICES'] === '1') throw new Error('PostgreSQL (5432) and NATS (4222) are required')
      ctx.skip()
      return
    }
    vi.stubEnv('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test')
    vi.stubEnv('NATS_URL', 'nats://127.0.0.1:4222')
    const { hub, pool } = await scaledHub(await rulesOfTheGuide())
    try {
      const who = { loyaltyId: `L-gs-${Date.now()}` }
      await hub.publish({ type: 'profile.traits_updated', source: 'app', identity: who, data: { traits: { name: 'Aiko' } } })
      await hub.drain()
      const id = await hub.get(Tokens.IdentityResolver).resolve(who, { create: false })
      expect(id).toBeDefined()
      expect((await hub.get(ProfileTokens.ProfileStore).get(id!))?.traits['name']?.value).toBe('Aiko')
      // It is in PostgreSQL, not in memory.
      const tables = await pool.query<{ n: string }>("select count(*) as n from information_schema.tables where table_schema = 'getting_started'")
      expect(Number(tables.rows[0]!.n)).toBeGreaterThan(3)
    } finally {
      await hub.stop()
      await pool.query('drop schema if exists getting_started cascade')
      await pool.end()
      // The guide's hub name is fixed: remove its streams and buckets so each run starts clean.
      const nc = await connect({ servers: 'nats://127.0.0.1:4222' })
      const jsm = await nc.jetstreamManager()
      await deleteHub(jsm, 'getting-started')
      await nc.close()
      vi.unstubAllEnvs()
    }
  }, 60_000)
})
