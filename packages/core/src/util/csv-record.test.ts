import { describe, expect, it } from 'vitest'
import { hasOpenQuote, splitCsvRecord } from './csv-record.js'

describe('splitCsvRecord', () => {
  it('splits a plain record on the delimiter, keeping empty fields', () => {
    expect(splitCsvRecord('a,b,,d')).toEqual(['a', 'b', '', 'd'])
    expect(splitCsvRecord('a\tb', '\t')).toEqual(['a', 'b'])
    expect(splitCsvRecord('')).toEqual([''])
  })

  it('reads quoted fields: delimiters, doubled quotes and newlines inside are data', () => {
    expect(splitCsvRecord('"a,b","say ""hi""",c')).toEqual(['a,b', 'say "hi"', 'c'])
    expect(splitCsvRecord('1,"line one\nline two",3')).toEqual(['1', 'line one\nline two', '3'])
    expect(splitCsvRecord('"",x')).toEqual(['', 'x'])
    expect(splitCsvRecord('"東京;本店";5', ';')).toEqual(['東京;本店', '5'])
  })
})

describe('hasOpenQuote', () => {
  it('is true while a quoted field is still open', () => {
    expect(hasOpenQuote('a,b')).toBe(false)
    expect(hasOpenQuote('1,"line one')).toBe(true)
    expect(hasOpenQuote('1,"line one\nline two",3')).toBe(false)
    expect(hasOpenQuote('"say ""hi')).toBe(true)
    expect(hasOpenQuote('"say ""hi"""')).toBe(false)
  })
})
