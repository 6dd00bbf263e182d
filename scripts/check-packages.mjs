// Checks every publishable package as it will be published: publint --strict and
// "are the types wrong" on the packed tarball. Needs `pnpm build` first. Two checks run at a
// time (each is a separate process that mostly waits on packing and reading the tarball).
import { execFile } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { readdirSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'

const run = promisify(execFile)
const bin = (name) => `node_modules/.bin/${name}`
const checks = []
for (const dir of readdirSync('packages')) {
  const pkg = JSON.parse(readFileSync(`packages/${dir}/package.json`, 'utf8'))
  if (pkg.private) continue
  checks.push({ name: pkg.name, tool: bin('publint'), args: ['--strict', `packages/${dir}`] })
  checks.push({ name: pkg.name, tool: bin('attw'), args: ['--pack', `packages/${dir}`, '--profile', 'esm-only', '--format', 'table-flipped'] })
}

let failed = 0
let next = 0
async function worker() {
  while (next < checks.length) {
    const { name, tool, args } = checks[next++]
    const label = tool.split('/').pop()
    try {
      await run(tool, args)
      console.log(`ok   ${name}: ${label}`)
    } catch (error) {
      failed++
      console.log(`FAIL ${name}: ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}`)
    }
  }
}
await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker))
if (failed > 0) {
  console.error(`${failed} package check(s) failed`)
  process.exit(1)
}
