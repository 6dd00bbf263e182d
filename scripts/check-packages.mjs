// Checks every publishable package as it will be published: publint --strict and
// "are the types wrong" on the packed tarball. Needs `pnpm build` first.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const bin = (name) => `node_modules/.bin/${name}`
let failed = 0
for (const dir of readdirSync('packages')) {
  const pkg = JSON.parse(readFileSync(`packages/${dir}/package.json`, 'utf8'))
  if (pkg.private) continue
  for (const [tool, args] of [
    [bin('publint'), ['--strict', `packages/${dir}`]],
    [bin('attw'), ['--pack', `packages/${dir}`, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(tool, args, { stdio: 'pipe' })
      console.log(`ok   ${pkg.name}: ${tool.split('/').pop()}`)
    } catch (error) {
      failed++
      console.log(`FAIL ${pkg.name}: ${tool.split('/').pop()}\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`)
    }
  }
}
if (failed > 0) {
  console.error(`${failed} package check(s) failed`)
  process.exit(1)
}
