import type { EventInput } from '@omotenashi/core'
import type { ReplyTokens } from './reply-tokens.js'
import { decodeSurveyPostback, type OpenQuestions, type SurveyBook } from './surveys.js'
import type { WebhookEvent } from './webhook-body.js'

/** What translating webhook events needs besides the event. */
export interface TranslateContext {
  readonly surveys: SurveyBook
  readonly openQuestions: OpenQuestions
  readonly replyTokens: ReplyTokens
}

/**
 * Turns one LINE webhook event into hub events: follow → `line.followed`, unfollow →
 * `line.unfollowed`, message → `line.message_received`, postback → `line.postback_received`,
 * plus `survey.answered` for a survey postback or a free-text reply to an open question. Event
 * ids derive from `webhookEventId`, so a redelivery the bounded de-duplication has forgotten is
 * still applied once by the hub. Events LINE sends that the hub has no use for yield nothing.
 */
export function translateWebhookEvent(event: WebhookEvent, context: TranslateContext): EventInput[] {
  const userId = event.source?.userId
  if (userId === undefined) return []
  const id = `line:${event.webhookEventId}`
  const base = { source: 'line', identity: { lineUserId: userId }, time: new Date(event.timestamp).toISOString() } as const
  // In standby mode another channel answers the user: its reply tokens are not ours to use.
  if (event.replyToken !== undefined && event.mode === 'active') context.replyTokens.remember(userId, event.replyToken, event.timestamp)

  switch (event.type) {
    case 'follow':
      return [{ ...base, id, type: 'line.followed', data: { unblocked: event.follow?.isUnblocked ?? false } }]
    case 'unfollow':
      return [{ ...base, id, type: 'line.unfollowed', data: {} }]
    case 'message': {
      if (!event.message) return []
      const data: Record<string, unknown> = { messageId: event.message.id, messageType: event.message.type }
      if (typeof event.message.text === 'string') data['text'] = event.message.text.slice(0, 5000)
      if (event.replyToken !== undefined) data['replyToken'] = event.replyToken
      const out: EventInput[] = [{ ...base, id, type: 'line.message_received', data }]
      if (event.message.type === 'text' && typeof event.message.text === 'string') {
        const open = context.openQuestions.take(userId, event.timestamp)
        if (open) {
          const answer: Record<string, unknown> = { surveyId: open.surveyId, questionId: open.questionId, answer: event.message.text.slice(0, 5000), via: 'free_text' }
          if (open.question !== undefined) answer['question'] = open.question
          out.push({ ...base, id: `${id}:answer`, type: 'survey.answered', data: answer, causationId: id })
        }
      }
      return out
    }
    case 'postback': {
      if (!event.postback) return []
      const data: Record<string, unknown> = { postback: event.postback.data.slice(0, 300) }
      if (event.replyToken !== undefined) data['replyToken'] = event.replyToken
      if (event.postback.params !== undefined) data['params'] = event.postback.params
      const out: EventInput[] = [{ ...base, id, type: 'line.postback_received', data }]
      const ref = decodeSurveyPostback(event.postback.data)
      if (ref) {
        context.openQuestions.close(userId, ref.surveyId, ref.questionId)
        const answer: Record<string, unknown> = { surveyId: ref.surveyId, questionId: ref.questionId, answer: ref.answerId, via: 'postback' }
        const question = context.surveys.questionText(ref.surveyId, ref.questionId)
        if (question !== undefined) answer['question'] = question
        out.push({ ...base, id: `${id}:answer`, type: 'survey.answered', data: answer, causationId: id })
      }
      return out
    }
    default:
      return []
  }
}
