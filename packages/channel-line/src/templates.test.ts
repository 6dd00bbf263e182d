import { describe, expect, it } from 'vitest'
import { TemplateError, TemplateSet } from './templates.js'

const good = {
  'price-drop': {
    variables: ['name', 'item.name'],
    locales: {
      ja: { text: '{{name}}様、{{item.name}}が値下げしました' },
      en: {
        messages: [{ type: 'flex', altText: '{{item.name}} is cheaper now', contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'Hi {{name}}' }] } } }],
        quickReplies: [{ label: 'Show me', text: 'show {{item.name}}' }],
      },
    },
  },
}

describe('TemplateSet', () => {
  it('renders a locale with nested variables and falls back to the default locale', () => {
    const set = new TemplateSet(good, { requiredLocales: ['ja', 'en'] })
    const ja = set.render('price-drop', 'ja-JP', { name: '花子', item: { name: 'コート' } })
    expect(ja).toEqual({ ok: true, messages: [{ type: 'text', text: '花子様、コートが値下げしました' }], quickReplies: undefined })
    const en = set.render('price-drop', 'en', { name: 'Hana', item: { name: 'Coat' } })
    expect(en.ok && en.messages[0]).toMatchObject({ type: 'flex', altText: 'Coat is cheaper now' })
    expect(en.ok && en.quickReplies).toEqual([{ label: 'Show me', text: 'show Coat' }])
    const fr = set.render('price-drop', 'fr', { name: 'A', item: { name: 'B' } })
    expect(fr.ok && fr.messages[0]).toEqual({ type: 'text', text: 'A様、Bが値下げしました' })
  })

  it('fails at load when a locale uses an undeclared variable or misses a declared one', () => {
    const bad = {
      t: { variables: ['name'], locales: { ja: { text: '{{name}} {{coupon}}' }, en: { text: 'Hello' } } },
    }
    expect(() => new TemplateSet(bad)).toThrow(TemplateError)
    try {
      new TemplateSet(bad)
    } catch (e) {
      expect((e as TemplateError).problems).toEqual(['t.ja: uses {{coupon}}, which is not in "variables"', 't.en: is missing the variable {{name}}'])
    }
  })

  it('fails at load on a missing required locale and on a malformed message', () => {
    expect(() => new TemplateSet({ t: { locales: { ja: { text: 'x' } } } }, { requiredLocales: ['en'] })).toThrow(/t: has no "en" locale/)
    expect(() => new TemplateSet({ t: { locales: { ja: { messages: [{ type: 'text' } as unknown as { type: 'text'; text: string }] } } } })).toThrow(/t\.locales\.ja\.messages\.0\.text/)
  })

  it('reports a variable without a value at send instead of sending blanks', () => {
    const set = new TemplateSet(good)
    expect(set.render('price-drop', 'ja', { name: 'A' })).toEqual({ ok: false, reason: 'template "price-drop" needs values for: item.name' })
    expect(set.render('nope', 'ja')).toEqual({ ok: false, reason: 'no LINE template "nope"' })
  })
})
