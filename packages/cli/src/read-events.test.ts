import { describe, expect, it } from 'vitest'
import { parseCsv } from './read-events.js'

describe('parseCsv', () => {
  it('gives each record with the line it starts on, across quoted newlines and CRLF', () => {
    const text = 'type,data.note\r\npage.viewed,"two\nlines"\r\n\r\nproduct.viewed,"say ""hi"", ok"\n'
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['type', 'data.note'] },
      { line: 2, fields: ['page.viewed', 'two\nlines'] },
      { line: 5, fields: ['product.viewed', 'say "hi", ok'] },
    ])
  })

  it('skips records whose cells are all empty and keeps a last line without a newline', () => {
    expect(parseCsv('a,b\n,\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ])
  })

  it('keeps an unclosed quote to the end of the text rather than dropping lines', () => {
    expect(parseCsv('a\n"open\nrest')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['open\nrest'] },
    ])
  })
})
