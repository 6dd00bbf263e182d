import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRules, parseRules } from './load-rules.js'
import { compileRuleBook } from './rule-set.js'
import { RulesError } from './rules-error.js'
import { mergeRuleBooks, ruleBook } from './rule-book.js'

const DX_RULE = `
id: try-on-retargeting
when:
  event: catalog.price_changed
  if: { data.newPrice: { lt: { ref: data.oldPrice } } }
audience:                       # fan out from the item to the people
  interest: tried_on
  item: { ref: data.sku }
  within: 30d
  unless: purchased             # online or in a store
do:
  action: price-drop-on-tried-item
  channels: [push, line, email] # first one consented and reachable
  quietHours: defer
`

async function dir(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'omotenashi-rules-'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(d, name), text)
  return d
}

function problemsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(RulesError)
  return (error as RulesError).problems.map((p) => `${p.file ?? ''}:${p.line ?? ''} ${p.path}: ${p.message}`)
}

describe('loadRules', () => {
  it('loads the DX rule as written', async () => {
    const cwd = await dir({ 'retarget.yaml': DX_RULE })
    const book = await loadRules('*.yaml', { cwd })
    expect(book.rules).toHaveLength(1)
    const set = compileRuleBook(mergeRuleBooks(ruleBook({ actions: [{ id: 'price-drop-on-tried-item', channels: ['push'] }] }), book))
    expect(set.triggers()).toEqual(['catalog.price_changed'])
    expect(set.rule('try-on-retargeting')?.audience?.withinMs).toBe(30 * 86_400_000)
  })

  it('reads documents with version, rules, actions and segments, multi-document YAML and JSON', async () => {
    const cwd = await dir({
      'a.yaml': `version: 1\nsegments:\n  vip: { profile.traits.tier: { in: [gold, platinum] } }\nactions:\n  - id: vip-card\n    kind: staff\n    channels: [staff]\nrules:\n  - id: vip\n    when: { event: store.checked_in, if: { segment: vip } }\n    do: { action: vip-card }\n`,
      'b.yaml': `id: one\nwhen: { event: page.viewed }\ndo: { action: vip-card }\n---\nid: two\nwhen: { event: page.viewed }\ndo: { action: vip-card }\n`,
      'c.json': JSON.stringify([{ id: 'three', when: { event: 'page.viewed' }, do: { action: 'vip-card' } }]),
    })
    const book = await loadRules(['*.yaml', '*.json'], { cwd })
    const set = compileRuleBook(book)
    expect(set.rules.map((r) => r.id)).toEqual(['vip', 'one', 'two', 'three'])
    expect(set.segments.has('vip')).toBe(true)
  })

  it('refuses a bad file listing every problem with file, line, path and reason', async () => {
    const cwd = await dir({
      'good.yaml': DX_RULE,
      'bad.yaml': [
        'rules:',
        '  - id: bad one', // 2: bad id
        '    when:',
        '      event: Checked-In', // 4: bad event type
        '      if:',
        '        data.price: { lesser: 3 }', // 6: unknown operator
        '        data.name: { matches: "([" }', // 7: bad regex
        '        profile.interests.X.tried_on: { within: soon }', // 8: bad duration
        '        weather.rain: true', // 9: unknown root
        '    do: { action: a, actions: [b] }', // 10: both
        '  - id: ok',
        '    when: { event: page.viewed }',
        '    wait: { for: 2h, at: "25:00" }',
        '    do: { action: a }',
      ].join('\n'),
    })
    const error = await loadRules('*.yaml', { cwd }).catch((e: unknown) => e)
    const problems = problemsOf(error)
    const expected: Array<[number, string, RegExp]> = [
      [2, 'rules.0.id', /letters, digits/],
      [4, 'rules.0.when.event', /event type/],
      [10, 'rules.0.do', /exactly one of "action" or "actions"/],
      [13, 'rules.1.wait.at', /HH:mm/],
    ]
    for (const [line, path, reason] of expected) {
      expect(problems.some((p) => p.startsWith(`bad.yaml:${line} ${path}:`) && reason.test(p)), `${line} ${path}\n${problems.join('\n')}`).toBe(true)
    }
    expect(problems.every((p) => p.startsWith('bad.yaml:'))).toBe(true)
  })

  it('reports condition problems (operators, regex, durations, paths) all at once', () => {
    const text = [
      'id: r',
      'when:',
      '  event: page.viewed',
      '  if:',
      '    data.price: { lesser: 3 }',
      '    data.name: { matches: "([" }',
      '    profile.interests.X.tried_on: { within: soon }',
      '    weather.rain: true',
      '    any: []',
      'do: { action: a }',
    ].join('\n')
    const error = (() => {
      try {
        parseRules(text, { file: 'r.yaml' })
      } catch (e) {
        return e
      }
    })()
    const problems = problemsOf(error)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^r\.yaml:5 when\.if\.data\.price\.lesser: unknown operator "lesser"/),
        expect.stringMatching(/^r\.yaml:6 when\.if\.data\.name\.matches: invalid regular expression/),
        expect.stringMatching(/^r\.yaml:7 when\.if\.profile\.interests\.X\.tried_on\.within: .*duration/),
        expect.stringMatching(/^r\.yaml:8 when\.if\.weather\.rain: unknown condition/),
        expect.stringMatching(/^r\.yaml:9 when\.if\.any: "any" takes a non-empty list/),
      ]),
    )
    expect(problems).toHaveLength(5)
  })

  it('names YAML syntax errors with their line, and unknown format versions', async () => {
    const cwd = await dir({ 'broken.yaml': 'id: x\nwhen: { event: page.viewed\n', 'v2.yaml': 'version: 2\nrules: []\n' })
    const problems = problemsOf(await loadRules('*.yaml', { cwd }).catch((e: unknown) => e))
    expect(problems.some((p) => p.startsWith('broken.yaml:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('v2.yaml:1 version: unsupported format version 2'))).toBe(true)
  })

  it('refuses unknown actions, segments and duplicate ids when the book is compiled', () => {
    const book = mergeRuleBooks(
      parseRules('- { id: a, when: { event: page.viewed, if: { segment: nobody } }, do: { action: ghost } }\n', { file: 'x.yaml' }),
      parseRules('\n- { id: a, when: { event: page.viewed }, do: { action: ghost } }\n', { file: 'y.yaml' }),
    )
    const problems = problemsOf((() => {
      try {
        compileRuleBook(book)
      } catch (e) {
        return e
      }
    })())
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/x\.yaml:1 0\.when\.if\.segment: unknown segment "nobody"/),
        expect.stringMatching(/x\.yaml:1 0\.do\.action: unknown action "ghost"/),
        expect.stringMatching(/y\.yaml:2 0\.id: rule "a" is defined twice/),
      ]),
    )
  })

  it('finds no files: says so', async () => {
    const cwd = await dir({})
    expect(problemsOf(await loadRules('*.yaml', { cwd }).catch((e: unknown) => e))[0]).toMatch(/no rule files match/)
  })
})
