// The CLI run as users run it: a subprocess from source (node --import tsx, source condition).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateDay } from './commands/simulate.js'
import { validateRules } from './commands/rules.js'
import { run } from './program.js'

const root = resolve(import.meta.dirname, '..')
const entry = join(root, 'src/index.ts')
const fixtures = join(root, 'test/fixtures')
const config = join(fixtures, 'omotenashi.config.ts')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=@omotenashi/source', '--import', 'tsx', entry, ...args], { cwd: root, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

// Each subprocess compiles the sources with tsx: slow on a busy machine, hence the long timeouts.
describe.concurrent('omotenashi (subprocess)', { timeout: 180_000 }, () => {
  const running: ChildProcess[] = []
  afterAll(() => {
    for (const child of running) child.kill('SIGTERM')
  })

  it('prints help with every command', async () => {
    const { code, stdout } = await cli(['--help'])
    expect(code).toBe(0)
    for (const command of ['start', 'replay', 'simulate', 'profiles']) expect(stdout).toContain(command)
  })

  it('replays NDJSON: accepts the good lines, reports bad ones by line, summarises decisions', async () => {
    const { code, stdout } = await cli(['-c', config, 'replay', join(fixtures, 'events.ndjson'), '--json'])
    expect(code).toBe(0)
    const summary = JSON.parse(stdout) as { events: Record<string, number>; rejections: Array<{ line: number; code: string; reasons: string[] }>; decisions: { total: number; winners: Record<string, number>; blockedBy: Record<string, number> } }
    expect(summary.events).toMatchObject({ read: 6, accepted: 4, rejected: 2, processed: 4 })
    expect(summary.rejections.map((r) => [r.line, r.code])).toEqual([
      [4, 'E_VALIDATION'],
      [5, 'E_PARSE'],
    ])
    expect(summary.rejections[0]!.reasons.join(' ')).toMatch(/data\.currency/)
    expect(summary.decisions).toMatchObject({ total: 2, winners: { 'thank-you': 2 }, blockedBy: { 'cap.daily': 2 } })
  })

  it('replays CSV with quoted cells, JSON cells and identity columns, as a table', async () => {
    const { code, stdout } = await cli(['-c', config, 'replay', join(fixtures, 'events.csv')])
    expect(code).toBe(0)
    expect(stdout).toMatch(/events: 3 read, 2 accepted, 1 rejected, 2 processed/)
    expect(stdout).toMatch(/\| thank-you +\| +1 \|/)
    expect(stdout).toMatch(/line 4: E_VALIDATION .*data\.total/)
  })

  it('simulates a day deterministically and writes the events to replay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omo-cli-'))
    const out = join(dir, 'day.ndjson')
    const first = await cli(['-c', config, 'simulate', '--customers', '30', '--stores', '2', '--seed', '7', '--json', '--out', out])
    expect(first.code, first.stderr).toBe(0)
    const a = JSON.parse(first.stdout) as { events: { read: number; accepted: number; processed: number; byType: Record<string, number> }; decisions: { total: number } }
    expect(a.events.read).toBeGreaterThan(60)
    expect(a.events.accepted).toBe(a.events.read)
    expect(a.events.processed).toBe(a.events.read)
    expect(Object.keys(a.events.byType)).toEqual(expect.arrayContaining(['store.checked_in', 'fitting_room.tried_on', 'product.viewed']))
    expect(a.decisions.total).toBe(a.events.byType['pos.purchased'] ?? 0)
    const lines = (await readFile(out, 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(a.events.read)
    // The written day replays to the same counts.
    const replayed = JSON.parse((await cli(['-c', config, 'replay', out, '--json'])).stdout) as typeof a
    expect(replayed.events.byType).toEqual(a.events.byType)
  })

  it('starts the server from the config; profiles show reads what was ingested', async () => {
    const key = 'omo_dev_cli_test_key'
    const child = spawn(process.execPath, ['--conditions=@omotenashi/source', '--import', 'tsx', entry, '-c', config, 'start', '--port', '0'], { cwd: root, env: { ...process.env, OMOTENASHI_API_KEY: key } })
    running.push(child)
    const url = await new Promise<string>((done, fail) => {
      let err = ''
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString()
        const m = /listening on (http:\/\/\S+)/.exec(err)
        if (m) done(m[1]!)
      })
      child.on('close', () => fail(new Error(`start exited: ${err}`)))
    })
    const res = await fetch(`${url}/v1/events/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { type: 'profile.traits_updated', source: 'web', identity: { loyaltyId: 'L-42' }, data: { traits: { tier: 'gold' } } },
        { type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-42' }, storeId: 'shibuya' },
      ]),
    })
    expect(res.status).toBe(200)
    expect((await fetch(`${url}/ready`)).status).toBe(200)
    let shown = { code: null as number | null, stdout: '', stderr: '' }
    for (let i = 0; i < 20; i++) {
      shown = await cli(['profiles', 'show', '--identity', 'loyaltyId=L-42', '--url', url, '--decisions'], { OMOTENASHI_API_KEY: key })
      if (shown.code === 0) break
    }
    expect(shown.code, shown.stderr).toBe(0)
    const { profile, decisions } = JSON.parse(shown.stdout) as { profile: { identifiers: Record<string, Array<{ value: string }>>; traits: Record<string, { value: unknown }> }; decisions: unknown[] }
    expect(profile.identifiers['loyaltyId']![0]!.value).toBe('L-42')
    expect(profile.traits['tier']!.value).toBe('gold')
    expect(decisions).toEqual([])
    const missing = await cli(['profiles', 'show', 'nobody', '--url', url], { OMOTENASHI_API_KEY: key })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/omotenashi: 404/)
    child.kill('SIGTERM')
    expect(await new Promise((done) => child.on('close', done))).toBe(0)
  })

  it('rules test: runs fixtures, diffs decisions, fails on a wrong expectation', async () => {
    const { code, stdout } = await cli(['rules', 'test', join(fixtures, 'vip.fixture.yaml'), join(fixtures, 'wrong.fixture.yaml'), '--json'])
    expect(code).toBe(1)
    const results = JSON.parse(stdout) as Array<{ name: string; passed: boolean; diff: string[] }>
    expect(results.map((r) => r.passed)).toEqual([true, false])
    expect(results[1]!.diff).toEqual(['- decision 1: trigger store.checked_in, winner vip-card (never made)'])
  })

  it('rules validate: lists every problem with file, line and path', async () => {
    const { code, stderr } = await cli(['rules', 'validate', join(fixtures, 'rules/broken.yaml.txt')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/broken\.yaml\.txt:2 when\.if\.data\.x\.between: "between" takes \[low, high\]/)
  })

  it('fails clearly on a bad file, option or config', async () => {
    const missing = await cli(['replay', join(fixtures, 'nope.ndjson')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/omotenashi: .*nope\.ndjson/)
    const badConfig = await cli(['-c', join(fixtures, 'missing.config.ts'), 'replay', join(fixtures, 'events.ndjson')])
    expect(badConfig.stderr).toMatch(/config file not found/)
  })
})

describe('omotenashi (in process)', () => {
  it('validates good rule files and checks references', async () => {
    expect(await validateRules([join(fixtures, 'rules/vip.yaml')])).toEqual({ ok: true, rules: 1, actions: 1, segments: 1, problems: [] })
  })

  it('generates the same day for the same seed, another for another', () => {
    const a = generateDay({ customers: 25, stores: 2, seed: 3 })
    expect(generateDay({ customers: 25, stores: 2, seed: 3 })).toEqual(a)
    expect(generateDay({ customers: 25, stores: 2, seed: 4 })).not.toEqual(a)
    expect(a.map((e) => e.time)).toEqual([...a.map((e) => e.time)].sort())
    expect(new Set(a.map((e) => e.storeId).filter(Boolean))).toEqual(new Set(['shibuya', 'umeda']))
  })

  it('refuses bad options with a clear message', async () => {
    const err: string[] = []
    const io = { out: () => {}, err: (t: string) => void err.push(t) }
    const exit = process.exitCode
    await run(['node', 'omotenashi', 'simulate', '--date', 'tomorrow'], io)
    expect(err.join('')).toMatch(/--date must be YYYY-MM-DD/)
    process.exitCode = exit
  })
})
