// Makes `npm start` and `npm test` work on a fresh clone with Node and npm only:
// installs the workspace with the pinned pnpm (fetched by npx) when node_modules is missing
// or older than the lockfile.
import { execSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

const marker = 'node_modules/.modules.yaml'
const stale = !existsSync(marker) || (existsSync('pnpm-lock.yaml') && statSync('pnpm-lock.yaml').mtimeMs > statSync(marker).mtimeMs)
if (stale) {
  console.log('Installing dependencies (first run)…')
  execSync('npx --yes pnpm@10.34.9 install --frozen-lockfile', { stdio: 'inherit' })
}
