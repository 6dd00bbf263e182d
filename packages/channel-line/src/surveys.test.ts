import { describe, expect, it } from 'vitest'
import { decodeSurveyPostback, encodeSurveyPostback, OpenQuestions, SurveyBook } from './surveys.js'

const visit = {
  id: 'visit',
  questions: [
    {
      id: 'how',
      text: { ja: '今日はいかがでしたか？', en: 'How was today?' },
      answers: [
        { id: 'great', label: { ja: 'よかった', en: 'Great' } },
        { id: 'hotel_bad', label: { ja: 'ホテルが残念', en: 'Hotel was poor' } },
      ],
    },
  ],
}

describe('surveys', () => {
  it('encodes answers as survey=S&q=Q&a=A postback data and reads them back', () => {
    const data = encodeSurveyPostback({ surveyId: 'visit', questionId: 'how', answerId: 'great' })
    expect(data).toBe('survey=visit&q=how&a=great')
    expect(decodeSurveyPostback(data)).toEqual({ surveyId: 'visit', questionId: 'how', answerId: 'great' })
    expect(decodeSurveyPostback('action=buy&item=1')).toBeUndefined()
  })

  it('builds the question with one postback quick reply per answer, in the locale', () => {
    const book = new SurveyBook([visit])
    const msg = book.message('visit', 'how', 'en') as unknown as { text: string; quickReply: { items: Array<{ action: { data: string; label: string } }> } }
    expect(msg.text).toBe('How was today?')
    expect(msg.quickReply.items.map((i) => [i.action.label, i.action.data])).toEqual([
      ['Great', 'survey=visit&q=how&a=great'],
      ['Hotel was poor', 'survey=visit&q=how&a=hotel_bad'],
    ])
    expect(book.questionText('visit', 'how')).toBe('今日はいかがでしたか？')
  })

  it('refuses invalid surveys at load, naming the field', () => {
    expect(() => new SurveyBook([{ id: 'x', questions: [{ id: 'q', text: { ja: 'a' }, answers: [{ id: 'a', label: { ja: 'a label longer than twenty characters' } }] }] }])).toThrow(
      /surveys\.0\.questions\.0\.answers\.0\.label\.ja/,
    )
  })

  it('attaches a free-text reply only within the window, once', () => {
    let now = 0
    const open = new OpenQuestions({ windowMs: 1000, now: () => now })
    open.asked('U1', { surveyId: 'visit', questionId: 'how' })
    expect(open.take('U1', 500)).toMatchObject({ surveyId: 'visit', questionId: 'how' })
    expect(open.take('U1', 600)).toBeUndefined()
    now = 2000
    open.asked('U1', { surveyId: 'visit', questionId: 'how' })
    expect(open.take('U1', 3500)).toBeUndefined()
  })
})
