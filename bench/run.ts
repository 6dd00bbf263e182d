/**
 * Runs every benchmark in bench/ one after another and prints their tables.
 * `pnpm bench` (all) or `pnpm bench core decisioning` (some).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const wanted = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  // Only benchmarks: helper modules (a forked worker, a load generator, shared rules) run code
  // when imported, so they are told apart by their source, not by importing them.
  .filter((f) => /export async function run\(/.test(readFileSync(new URL(f, import.meta.url), 'utf8')))
  .sort()

console.log(`Omotenashi benchmarks — Node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}\n`)
for (const file of files) {
  const mod = (await import(new URL(file, import.meta.url).href)) as { run?: () => Promise<string> }
  if (typeof mod.run !== 'function') continue
  console.log(`## ${file.replace(/\.ts$/, '')}\n`)
  console.log(await mod.run())
  console.log()
}
