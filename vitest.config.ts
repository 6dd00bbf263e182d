import { readdirSync, existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

// One unit project and one integration project (real services) per package and example.
const dirs = ['packages', 'examples'].flatMap((root) =>
  existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${root}/${d.name}`) : [],
)

const setupFiles = [fileURLToPath(new URL('./scripts/vitest-setup.ts', import.meta.url))]

const shared = {
  resolve: { conditions: ['@omotenashi/source'] },
  ssr: { resolve: { conditions: ['@omotenashi/source'] } },
}

const projects: TestProjectInlineConfiguration[] = dirs.flatMap((dir) => {
  const name = dir.split('/')[1]!
  return [
    { ...shared, test: { name, root: dir, setupFiles, include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['**/*.int.test.ts', '**/node_modules/**'], testTimeout: 20_000 } },
    { ...shared, test: { name: `${name}:int`, root: dir, setupFiles, include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } },
  ]
})
projects.push({ ...shared, test: { name: 'docs', root: 'docs', setupFiles, include: ['**/*.test.ts'], testTimeout: 30_000 } })

export default defineConfig({
  test: {
    projects,
    passWithNoTests: true,
    // Vitest's default is one file at a time on two cores (cores − 1). Most integration files
    // spend their time waiting on PostgreSQL, Redis, NATS, timers or child processes, so a
    // second file fills that time: the suite took 264 s instead of 376 s on the 2-core CI machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: process.env['CI'] ? ['default'] : ['default'],
  },
})
