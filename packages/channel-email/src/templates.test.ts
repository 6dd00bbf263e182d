import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { loadEmailTemplates } from './templates.js'

const welcome = {
  variables: ['name', 'item.name'],
  locales: {
    ja: { subject: '{{name}}様、{{ item.name }}が値下がりしました', text: '{{name}}様\n{{item.name}}', html: '<p>{{name}}様</p>' },
    en: { subject: 'Hi {{name}}, {{item.name}} is cheaper', text: 'Hi {{name}}' },
  },
}

describe('loadEmailTemplates', () => {
  it('renders the locale asked for, falling back by language, then to the default', () => {
    const t = loadEmailTemplates({ welcome })
    expect(t.render('welcome', { name: '山田', item: { name: 'コート' } }, 'ja-JP').subject).toBe('山田様、コートが値下がりしました')
    expect(t.render('welcome', { name: 'Ann', item: { name: 'Coat' } }, 'en-GB').subject).toBe('Hi Ann, Coat is cheaper')
    expect(t.render('welcome', { name: 'Jean', item: { name: 'Manteau' } }, 'fr').locale).toBe('ja')
    expect(loadEmailTemplates({ welcome }, 'en').render('welcome', { name: 'x', item: { name: 'y' } }).locale).toBe('en')
  })

  it('escapes variables in HTML only, and keeps a subject on one line', () => {
    const t = loadEmailTemplates({ welcome })
    const r = t.render('welcome', { name: '<b>A&B</b>\r\nBcc: evil@example.com', item: { name: 'x' } }, 'ja')
    expect(r.html).toBe('<p>&lt;b&gt;A&amp;B&lt;/b&gt;\r\nBcc: evil@example.com様</p>')
    expect(r.text).toContain('<b>A&B</b>')
    expect(r.subject).not.toMatch(/[\r\n]/)
  })

  it('fails at load when a placeholder names an undeclared variable, naming the field', () => {
    const bad = { variables: ['name'], locales: { ja: { subject: '{{nmae}}様', text: 'ok {{name}}' }, en: { subject: 'Hi', html: '{{ price }}' } } }
    let error: unknown
    try {
      loadEmailTemplates({ bad })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    const paths = (error as ValidationError).issues.map((i) => i.path)
    expect(paths).toEqual(['templates.bad.locales.ja.subject', 'templates.bad.locales.en.html'])
    expect((error as ValidationError).message).toContain('{{nmae}}')
  })

  it('refuses a locale with neither html nor text, and an unbalanced brace', () => {
    expect(() => loadEmailTemplates({ a: { locales: { ja: { subject: 'x' } } } })).toThrow(/templates\.a\.locales\.ja.*html or text/)
    expect(() => loadEmailTemplates({ a: { locales: { ja: { subject: 'x {{ y', text: 't' } } } })).toThrow(/unbalanced/)
    expect(() => loadEmailTemplates({ a: { locales: {} } })).toThrow(/at least one locale/)
  })

  it('refuses to render when a declared variable is missing', () => {
    const t = loadEmailTemplates({ welcome })
    expect(() => t.render('welcome', { name: 'A' }, 'ja')).toThrow(/needs "item\.name"/)
  })
})
