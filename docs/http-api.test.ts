// Keeps docs/http-api.md honest: every `sh` block's curl commands run, with the real curl, in
// the guide's order, against a live server on 127.0.0.1; each `# …` line under a command is the
// answer it must give (`…` stands for anything, a leading status code is checked too).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { createHub, type Hub } from '@omotenashi/core'
import { decisioning, parseRules } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'
import { startTestServer, type TestServer } from '@omotenashi/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fencesOf } from './check-snippets.js'

const run = promisify(execFile)

/** One curl command of the guide and the answer written under it. */
interface Example {
  readonly line: number
  readonly command: string
  readonly expected?: string
}

/** Splits a shell block into commands (a `curl` line starts one) and the `#` answers under them. */
function examplesOf(body: string, firstLine: number): Example[] {
  const examples: Array<{ line: number; lines: string[]; expected?: string }> = []
  body.split('\n').forEach((text, i) => {
    if (text.startsWith('curl ')) examples.push({ line: firstLine + 1 + i, lines: [text] })
    else if (text.startsWith('# ')) examples.at(-1)!.expected = text.slice(2)
    else if (text.trim() !== '') examples.at(-1)!.lines.push(text)
  })
  return examples.map((e) => ({ line: e.line, command: e.lines.join('\n'), ...(e.expected === undefined ? {} : { expected: e.expected }) }))
}

/** The written answer as a pattern: `…` matches anything, the rest literally. */
function patternOf(expected: string): RegExp {
  return new RegExp(`^${expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's')
}

const RULES = `
version: 1
actions:
  - { id: offer-card-loan, value: 1, placements: [callcenter.agent], content: { default: { title: 'Card loan at a reduced rate' } } }
rules:
  - id: callers
    when: { placement: callcenter.agent }
    do: { action: offer-card-loan }
`

describe('docs: HTTP API', () => {
  let hub: Hub
  let server: TestServer
  beforeAll(async () => {
    hub = await createHub({ modules: [profiles(), decisioning({ rules: parseRules(RULES), learning: { seed: 1 } })] })
    await hub.start()
    // The decide example asks about a caller by phone: the caller must exist.
    await hub.publish({ type: 'profile.traits_updated', source: 'crm', identity: { phone: '+81312345678' }, data: { traits: { segment: 'retail' } } })
    await hub.drain()
    server = await startTestServer(hub)
  })
  afterAll(async () => {
    await server.close()
    await hub.stop()
  })

  it('runs every curl example of the guide and gets the answers it shows', async () => {
    const markdown = readFileSync(new URL('http-api.md', import.meta.url), 'utf8')
    const examples = fencesOf(markdown)
      .filter((f) => f.lang === 'sh')
      .flatMap((f) => examplesOf(f.body, f.line))
    expect(examples.length).toBeGreaterThanOrEqual(9)
    const env = { ...process.env, KEY: server.keys.ingest, READ_KEY: server.keys.read, DECIDE_KEY: server.keys.decide, ADMIN_KEY: server.keys.admin }
    let customerId = ''
    for (const example of examples) {
      expect(example.command, `line ${example.line}: only curl examples`).toMatch(/^curl -s /)
      // The guide's host, and the customer id the lookup example found for the erase example.
      const command = example.command.replaceAll('http://localhost:8787', server.url).replaceAll('5f0c…', customerId)
      const { stdout } = await run('bash', ['-c', `${command} -w '\\n%{http_code}'`], { env })
      await hub.drain()
      const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1))
      const body = stdout.slice(0, stdout.lastIndexOf('\n'))
      if (command.includes('/v1/profiles/lookup')) customerId = (JSON.parse(body) as { id: string }).id
      const written = example.expected?.match(/^(\d{3}) (.*)$/)
      expect(status, `line ${example.line}: ${body}`).toBe(written ? Number(written[1]) : 200)
      const answer = (written ? written[2]! : example.expected)?.replaceAll('5f0c…', customerId)
      if (answer !== undefined) expect(body, `line ${example.line}`).toMatch(patternOf(answer))
    }
    expect(customerId).not.toBe('')
  })
})
