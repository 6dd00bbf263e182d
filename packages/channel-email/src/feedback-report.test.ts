import { describe, expect, it } from 'vitest'
import { parseFeedbackReport } from './feedback-report.js'
import { makeBounceReport, makeComplaintReport } from './testing/dsn-fixtures.js'

const original = 'From: shop@example.jp\r\nTo: taro@example.jp\r\nMessage-ID: <abc@example.jp>\r\nX-Omotenashi-Ref: xyz.sig\r\nSubject: hi\r\n\r\nbody\r\n'

describe('parseFeedbackReport', () => {
  it('reads a hard bounce with its status and original headers', () => {
    const report = parseFeedbackReport(makeBounceReport({ original, recipient: 'taro@example.jp', status: '5.1.1' }))
    expect(report.kind).toBe('bounce')
    if (report.kind !== 'bounce') return
    expect(report.recipients).toEqual([
      expect.objectContaining({ address: 'taro@example.jp', action: 'failed', status: '5.1.1', severity: 'hard' }),
    ])
    expect(report.original?.get('x-omotenashi-ref')).toEqual(['xyz.sig'])
    expect(report.original?.get('message-id')).toEqual(['<abc@example.jp>'])
  })

  it('reads a delayed or 4.x.x report as soft', () => {
    const report = parseFeedbackReport(makeBounceReport({ original, recipient: 'taro@example.jp', status: '4.2.2', action: 'delayed' }))
    expect(report.kind === 'bounce' && report.recipients[0]?.severity).toBe('soft')
  })

  it('reads an ARF complaint', () => {
    const report = parseFeedbackReport(makeComplaintReport({ original, recipient: 'taro@example.jp' }))
    expect(report).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', address: 'taro@example.jp' })
  })

  it('says why anything else is not a report', () => {
    expect(parseFeedbackReport('Subject: hello\r\n\r\njust a reply')).toMatchObject({ kind: 'unknown' })
    expect(parseFeedbackReport('')).toMatchObject({ kind: 'unknown', reason: 'the message is empty' })
  })
})
