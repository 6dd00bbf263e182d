// The main job as a user runs it: `node … src/main.ts --once` in a child process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

function runMain(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@omotenashi/source', '--import', 'tsx', 'examples/fashion-retail/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const count = (out: string, label: string, key: string): number => Number(new RegExp(`^  ${label}.*\\b${key.replace('.', '\\.')} (\\d+)`, 'm').exec(out)?.[1] ?? NaN)

describe('main (the README\'s npm start)', () => {
  it('--once plays the day, prints the summary and where to look, and exits 0', async () => {
    const { code, stdout, stderr } = await runMain(['--once'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/Playing a simulated Saturday \(2026-11-21, JST\) for 300 loyalty members/)
    expect(stdout).toMatch(/^ {2}decisions {3}\d+ \(\d+ chose an action\)$/m)
    for (const channel of ['push', 'line', 'email', 'staff']) expect(count(stdout, 'sends', channel), channel).toBeGreaterThan(0)
    for (const policy of ['consent', 'suppression.bought_recently', 'cap.day', 'moment']) expect(count(stdout, 'blocked by policy', policy), policy).toBeGreaterThan(0)
    expect(stdout).toMatch(/^ {2}dead letters 0$/m)
    expect(stdout).toMatch(/vip-ask-how-they-like-it +staff +\[shibuya\] Hanako Yamada \(platinum\) just checked in \| Ask how they like the wool Chester coat they bought 5 days ago/)
    expect(stdout).toMatch(/vip-sale-pitch blocked by suppression\.bought_recently/)
    expect(stdout).toMatch(/Staff console +http:\/\/127\.0\.0\.1:\d+\/staff\/console/)
    expect(stdout).toMatch(/device token \(shibuya\) stf1\.[\w-]+\.[\w-]+/)
    expect(stdout).toMatch(/Decision log +http:\/\/127\.0\.0\.1:\d+\/demo\/decisions#key=demo_[\w-]+/)
  }, 120_000)

  it('OMOTENASHI_DEMO_ONCE=1 does the same, with as many customers as asked', async () => {
    const { code, stdout } = await runMain(['--customers=40'], { OMOTENASHI_DEMO_ONCE: '1' })
    expect(code).toBe(0)
    expect(stdout).toMatch(/for 40 loyalty members/)
    expect(stdout).toMatch(/events +\d+ accepted from 40 customers/)
  }, 120_000)

  it('refuses a bad --customers value, naming it', async () => {
    const { code, stderr } = await runMain(['--once', '--customers=lots'])
    expect(code).not.toBe(0)
    expect(stderr).toMatch(/--customers must be a whole number/)
  }, 60_000)
})
