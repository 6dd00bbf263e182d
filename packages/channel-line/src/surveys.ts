import * as z from 'zod'
import type { LineMessage } from './line-message.js'
import { withQuickReplies } from './line-message.js'
import { baseLocale } from './templates.js'

const idSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,60}$/, 'letters, digits and _ . : - (max 60)')
const localized = (max: number) => z.record(z.string().min(2).max(10), z.string().min(1).max(max))

/** One survey question: its text per locale and the answers offered as quick replies. */
export const SurveyQuestionSchema = z.object({
  id: idSchema,
  text: localized(5000),
  /** Up to 13 quick-reply answers (LINE's limit); none makes it a free-text question. */
  answers: z.array(z.object({ id: idSchema, label: localized(20) })).max(13).default([]),
})

/** A survey: an id and its questions. */
export const SurveySchema = z.object({ id: idSchema, questions: z.array(SurveyQuestionSchema).min(1) })

/** A survey as written. */
export type SurveyInput = z.input<typeof SurveySchema>

/** A survey, validated. */
export type Survey = z.output<typeof SurveySchema>

/** A survey question, validated. */
export type SurveyQuestion = z.output<typeof SurveyQuestionSchema>

/** What a survey postback carries. */
export interface SurveyAnswerRef {
  readonly surveyId: string
  readonly questionId: string
  readonly answerId: string
}

/** Postback data of one answer: `survey=S&q=Q&a=A` (form-encoded so ids may hold any character). */
export function encodeSurveyPostback(ref: SurveyAnswerRef): string {
  return new URLSearchParams({ survey: ref.surveyId, q: ref.questionId, a: ref.answerId }).toString()
}

/** Reads a survey answer from postback data; undefined when the postback is not a survey answer. */
export function decodeSurveyPostback(data: string): SurveyAnswerRef | undefined {
  const params = new URLSearchParams(data)
  const surveyId = params.get('survey')
  const questionId = params.get('q')
  const answerId = params.get('a')
  if (!surveyId || !questionId || answerId === null || answerId === '') return undefined
  return { surveyId, questionId, answerId }
}

function pick(texts: Readonly<Record<string, string>>, locale: string, fallback: string): string {
  return texts[locale] ?? texts[fallback] ?? Object.values(texts)[0]!
}

/** The surveys a channel can ask, validated when loaded. */
export class SurveyBook {
  readonly #surveys = new Map<string, Survey>()
  readonly #defaultLocale: string

  /** @throws Error naming the survey, question and reason of every problem. */
  constructor(surveys: readonly SurveyInput[], defaultLocale = 'ja') {
    this.#defaultLocale = defaultLocale
    const problems: string[] = []
    for (const [index, input] of surveys.entries()) {
      const parsed = SurveySchema.safeParse(input)
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(`surveys.${index}.${issue.path.map(String).join('.')}: ${issue.message}`)
        continue
      }
      const survey = parsed.data
      if (this.#surveys.has(survey.id)) problems.push(`surveys.${index}.id: "${survey.id}" is used twice`)
      for (const q of survey.questions) {
        for (const a of q.answers) {
          const data = encodeSurveyPostback({ surveyId: survey.id, questionId: q.id, answerId: a.id })
          if (data.length > 300) problems.push(`survey ${survey.id}, question ${q.id}, answer ${a.id}: postback data is over LINE's 300 characters`)
        }
      }
      this.#surveys.set(survey.id, survey)
    }
    if (problems.length > 0) throw new Error(`invalid LINE surveys: ${problems.join('; ')}`)
  }

  /** A question, if known. */
  question(surveyId: string, questionId: string): SurveyQuestion | undefined {
    return this.#surveys.get(surveyId)?.questions.find((q) => q.id === questionId)
  }

  /** The question's text in a locale (default locale when missing). */
  questionText(surveyId: string, questionId: string, locale?: string): string | undefined {
    const q = this.question(surveyId, questionId)
    return q && pick(q.text, baseLocale(locale ?? this.#defaultLocale), this.#defaultLocale)
  }

  /** The LINE message asking a question: its text with one postback quick reply per answer. */
  message(surveyId: string, questionId: string, locale?: string): LineMessage | undefined {
    const q = this.question(surveyId, questionId)
    if (!q) return undefined
    const lang = baseLocale(locale ?? this.#defaultLocale)
    const text: LineMessage = { type: 'text', text: pick(q.text, lang, this.#defaultLocale) }
    if (q.answers.length === 0) return text
    return withQuickReplies(
      text,
      q.answers.map((a) => {
        const label = pick(a.label, lang, this.#defaultLocale)
        return { label, displayText: label, data: encodeSurveyPostback({ surveyId, questionId, answerId: a.id }) }
      }),
    )
  }
}

/** A question asked and still open to a free-text answer. */
export interface OpenQuestion {
  readonly surveyId: string
  readonly questionId: string
  readonly question?: string
  /** When it was asked (epoch ms, hub clock). */
  readonly askedAt: number
}

/**
 * Remembers the last question asked per LINE user, so that a free-text reply soon after it can
 * be attached as the answer. Bounded: the oldest entries go first. In memory: with several hub
 * processes, the reply must reach the process that asked (partition webhooks by user).
 */
export class OpenQuestions {
  readonly #open = new Map<string, OpenQuestion>()
  readonly #windowMs: number
  readonly #max: number
  readonly #now: () => number

  constructor(options: { windowMs: number; maxEntries?: number; now: () => number }) {
    this.#windowMs = options.windowMs
    this.#max = options.maxEntries ?? 100_000
    this.#now = options.now
  }

  /** Records that a question was asked now. */
  asked(lineUserId: string, question: Omit<OpenQuestion, 'askedAt'>): void {
    this.#open.delete(lineUserId)
    this.#open.set(lineUserId, { ...question, askedAt: this.#now() })
    while (this.#open.size > this.#max) this.#open.delete(this.#open.keys().next().value!)
  }

  /** Takes the open question a free-text reply at `at` answers, if any (it is then closed). */
  take(lineUserId: string, at: number): OpenQuestion | undefined {
    const open = this.#open.get(lineUserId)
    if (!open) return undefined
    this.#open.delete(lineUserId)
    return at - open.askedAt <= this.#windowMs && at >= open.askedAt - 60_000 ? open : undefined
  }

  /** Closes a user's open question (answered by postback). */
  close(lineUserId: string, surveyId: string, questionId: string): void {
    const open = this.#open.get(lineUserId)
    if (open && open.surveyId === surveyId && open.questionId === questionId) this.#open.delete(lineUserId)
  }

  /** Forgets a user (erasure). */
  forget(lineUserId: string): number {
    return this.#open.delete(lineUserId) ? 1 : 0
  }
}
