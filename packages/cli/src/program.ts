import { writeFile } from 'node:fs/promises'
import { createHub, VirtualClock } from '@omotenashi/core'
import { Command, InvalidArgumentError } from 'commander'
import { replayFile } from './commands/replay.js'
import { runRulesFixture, validateRules } from './commands/rules.js'
import { showProfile } from './commands/profiles.js'
import { simulateDay } from './commands/simulate.js'
import { startServer } from './commands/start.js'
import { hubOptionsOf, loadConfig } from './config.js'
import { defaultModules } from './default-modules.js'
import { formatSummary } from './summary.js'

const positiveInt = (value: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number')
  return n
}

const identityPair = (value: string, previous: Record<string, string> = {}): Record<string, string> => {
  const eq = value.indexOf('=')
  if (eq <= 0) throw new InvalidArgumentError('must be kind=value, e.g. email=hanako@example.jp')
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) }
}

/** Where the program writes; tests pass their own. */
export interface ProgramIO {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

const defaultIO: ProgramIO = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) }

/** Builds the `omotenashi` command line. */
export function createProgram(io: ProgramIO = defaultIO): Command {
  const program = new Command('omotenashi')
    .description('Run, feed and inspect an Omotenashi hub.')
    .option('-c, --config <file>', 'config file (default: omotenashi.config.ts in the current directory)')
    .showHelpAfterError()

  const config = async () => (await loadConfig(program.opts<{ config?: string }>().config))?.config

  program
    .command('start')
    .description('start a hub from the config and serve the HTTP API')
    .option('-p, --port <port>', 'port (default: config server.port, else 8787)', positiveInt)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      const devApiKey = process.env['OMOTENASHI_API_KEY']
      const { hub, app, url } = await startServer(await config(), {
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(devApiKey ? { devApiKey } : {}),
      })
      io.err(`omotenashi listening on ${url}`)
      const stop = async (): Promise<void> => {
        await app.close()
        await hub.stop()
        process.exit(0)
      }
      process.once('SIGINT', () => void stop())
      process.once('SIGTERM', () => void stop())
    })

  program
    .command('replay')
    .description('replay an NDJSON or CSV event file into a hub and summarise the decisions')
    .argument('<file>', 'events, one JSON object per line (.ndjson) or CSV with a header row (.csv)')
    .option('--format <format>', 'ndjson or csv (default: from the extension)')
    .option('--batch <n>', 'events per batch', positiveInt, 500)
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { format?: string; batch: number; json?: boolean }) => {
      if (opts.format !== undefined && opts.format !== 'ndjson' && opts.format !== 'csv') throw new InvalidArgumentError('--format must be ndjson or csv')
      const hubOptions = hubOptionsOf(await config())
      const hub = await createHub({ ...hubOptions, modules: hubOptions.modules ?? (await defaultModules()) })
      await hub.start()
      const summary = await replayFile(hub, file, { batchSize: opts.batch, ...(opts.format ? { format: opts.format as 'ndjson' | 'csv' } : {}) })
      await hub.stop()
      io.out(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary))
    })

  program
    .command('simulate')
    .description('simulate a day of OMO traffic for N customers and stores on a virtual clock')
    .option('--customers <n>', 'customers', positiveInt, 100)
    .option('--stores <n>', 'stores', positiveInt, 3)
    .option('--date <yyyy-mm-dd>', 'the day (Japan time)', '2026-03-01')
    .option('--seed <n>', 'random seed (same seed, same day)', positiveInt, 1)
    .option('--out <file>', 'also write the generated events as NDJSON (to replay later)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { customers: number; stores: number; date: string; seed: number; out?: string; json?: boolean }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date) || Number.isNaN(new Date(opts.date).getTime())) throw new InvalidArgumentError('--date must be YYYY-MM-DD')
      const hubOptions = hubOptionsOf(await config())
      const clock = new VirtualClock(`${opts.date}T00:00:00+09:00`)
      const hub = await createHub({ ...hubOptions, clock, modules: hubOptions.modules ?? (await defaultModules()) })
      await hub.start()
      const { summary, events } = await simulateDay(hub, clock, { customers: opts.customers, stores: opts.stores, date: opts.date, seed: opts.seed })
      await hub.stop()
      if (opts.out) await writeFile(opts.out, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
      io.out(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary))
    })

  const rules = program.command('rules').description('check rules and test them against fixtures')
  rules
    .command('validate')
    .description('load rule files and report every problem with file, line, path and reason')
    .argument('<globs...>', 'rule files or globs, e.g. "rules/*.yaml"')
    .option('--no-references', 'do not require actions and segments to be defined in these files')
    .action(async (globs: string[], opts: { references: boolean }) => {
      const result = await validateRules(globs, { references: opts.references })
      if (result.ok) io.out(`rules ok: ${result.rules} rules, ${result.actions} actions, ${result.segments} segments`)
      else {
        io.err(`rules refused (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}):`)
        for (const p of result.problems) io.err(`  ${p}`)
        process.exitCode = 1
      }
    })
  rules
    .command('test')
    .description('run fixtures (events in, expected decisions out) and diff what the rules decide')
    .argument('<fixtures...>', 'fixture files (YAML or JSON)')
    .option('--rules <glob...>', 'rule files for fixtures that name none')
    .option('--json', 'print the results as JSON')
    .action(async (files: string[], opts: { rules?: string[]; json?: boolean }) => {
      const results = []
      for (const file of files) results.push(await runRulesFixture(file, opts.rules ? { rules: opts.rules } : {}))
      if (opts.json) io.out(JSON.stringify(results, null, 2))
      else {
        for (const r of results) {
          io.out(`${r.passed ? '✓' : '✗'} ${r.name}`)
          for (const line of r.diff) io.out(`    ${line}`)
        }
        io.out(`${results.filter((r) => r.passed).length} passed, ${results.filter((r) => !r.passed).length} failed`)
      }
      if (results.some((r) => !r.passed)) process.exitCode = 1
    })

  const profiles = program.command('profiles').description('inspect customer profiles')
  profiles
    .command('show')
    .description('show a profile: from a running server (--url) or from the config’s stores')
    .argument('[customerId]', 'the customer id')
    .option('--identity <kind=value>', 'look up by an identifier instead (repeatable)', identityPair)
    .option('--url <url>', 'a running server, e.g. http://127.0.0.1:8787')
    .option('--api-key <key>', 'API key with the read scope (default: $OMOTENASHI_API_KEY)')
    .option('--decisions', 'also list the recent decisions and why')
    .action(async (customerId: string | undefined, opts: { identity?: Record<string, string>; url?: string; apiKey?: string; decisions?: boolean }) => {
      const apiKey = opts.apiKey ?? process.env['OMOTENASHI_API_KEY']
      const result = await showProfile(customerId, opts.url ? undefined : await config(), {
        ...(opts.url ? { url: opts.url } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(opts.identity ? { identity: opts.identity } : {}),
        ...(opts.decisions ? { decisions: true } : {}),
      })
      io.out(JSON.stringify(result, null, 2))
    })

  return program
}

/** Runs the command line; errors print one clear line and set exit code 1. */
export async function run(argv: readonly string[], io: ProgramIO = defaultIO): Promise<void> {
  try {
    await createProgram(io).parseAsync([...argv])
  } catch (error) {
    io.err(`omotenashi: ${(error as Error).message}`)
    process.exitCode = 1
  }
}
