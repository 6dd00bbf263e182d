// Keeps the guides honest: every code block of a guide must be a region (or the whole) of a
// file under docs/snippets, which the guide's test runs. Used by the guides' tests.
import { readFileSync } from 'node:fs'
import { readdirSync } from 'node:fs'

const docs = new URL('.', import.meta.url)

/** A fenced code block of a markdown file. */
export interface Fence {
  readonly lang: string
  readonly body: string
  readonly line: number
}

/** The fenced code blocks of a markdown text. */
export function fencesOf(markdown: string): Fence[] {
  const fences: Fence[] = []
  const pattern = /^```(\w*)\n([\s\S]*?)^```$/gm
  for (const m of markdown.matchAll(pattern)) {
    fences.push({ lang: m[1] ?? '', body: m[2]!.replace(/\n$/, ''), line: markdown.slice(0, m.index).split('\n').length })
  }
  return fences
}

/**
 * The regions of a snippet file (`// #region name` … `// #endregion name`), dedented, by name,
 * plus the whole file under `*` (for YAML files quoted whole).
 */
export function regionsOf(source: string): Map<string, string> {
  const regions = new Map<string, string>([['*', source.replace(/\n+$/, '')]])
  const pattern = /^[ \t]*\/\/ #region ([\w-]+)\n([\s\S]*?)^[ \t]*\/\/ #endregion \1\n/gm
  for (const m of source.matchAll(pattern)) {
    const lines = m[2]!.replace(/\n$/, '').split('\n')
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length))
    regions.set(m[1]!, lines.map((l) => l.slice(indent)).join('\n'))
  }
  return regions
}

/** What checking a guide found. */
export interface SnippetReport {
  /** Code blocks (ts, yaml, json) that quote no snippet: run by nothing. */
  readonly unexecuted: Fence[]
  /** Snippet regions the guide does not quote (the file changed, the guide did not). */
  readonly unquoted: string[]
  /** `sh` blocks, for the test to check what it can (package names). */
  readonly shell: Fence[]
}

/**
 * Checks a guide against its snippet files: `guide` is e.g. `getting-started`; its snippets are
 * `snippets/<guide>-*` files. Every region of them must be quoted exactly, and every code block
 * must be one of them.
 */
export function checkGuide(guide: string): SnippetReport {
  const markdown = readFileSync(new URL(`${guide}.md`, docs), 'utf8')
  const files = readdirSync(new URL('snippets/', docs)).filter((f) => f.startsWith(`${guide}-`))
  const quotable = new Map<string, string>()
  for (const file of files) {
    const regions = regionsOf(readFileSync(new URL(`snippets/${file}`, docs), 'utf8'))
    for (const [name, body] of regions) {
      // TypeScript files are quoted by region; data files (YAML, JSON) whole.
      if (file.endsWith('.ts') ? name !== '*' : name === '*') quotable.set(`${file}#${name}`, body)
    }
  }
  const fences = fencesOf(markdown)
  const quoted = new Set<string>()
  const unexecuted: Fence[] = []
  for (const fence of fences.filter((f) => f.lang !== 'sh' && f.lang !== 'text')) {
    const match = [...quotable].find(([, body]) => body === fence.body)
    if (match) quoted.add(match[0])
    else unexecuted.push(fence)
  }
  return { unexecuted, unquoted: [...quotable.keys()].filter((k) => !quoted.has(k)), shell: fences.filter((f) => f.lang === 'sh') }
}

/** The names of the workspace's packages (`@omotenashi/*`), to check install commands against. */
export function workspacePackages(): Set<string> {
  const root = new URL('../packages/', docs)
  return new Set(
    readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        try {
          return (JSON.parse(readFileSync(new URL(`${d.name}/package.json`, root), 'utf8')) as { name: string }).name
        } catch {
          return ''
        }
      })
      .filter((name) => name !== ''),
  )
}
