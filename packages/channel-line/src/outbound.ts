import type { OutboundMessage } from '@omotenashi/core'
import { LineContentSchema, withQuickReplies, type LineContent, type LineMessage } from './line-message.js'
import type { SurveyBook } from './surveys.js'
import type { TemplateSet } from './templates.js'

/** LINE messages built from an outbound message, or why they could not be. */
export type BuiltMessages =
  | {
      readonly ok: true
      readonly messages: LineMessage[]
      readonly content: LineContent
      /** The survey question asked, if the message asks one. */
      readonly survey?: { readonly surveyId: string; readonly questionId: string; readonly question?: string }
    }
  | { readonly ok: false; readonly reason: string }

/**
 * Turns a channel-neutral {@link OutboundMessage} into LINE message objects. In order of
 * precedence: ready messages in `content.line.messages`, a survey question
 * (`content.line.survey`), a template (`template` + `variables`), then `title`/`text`/`url` as
 * one text message. Quick replies from `content.line.quickReplies` go on the last message.
 */
export function buildMessages(message: OutboundMessage, locale: string | undefined, templates: TemplateSet, surveys: SurveyBook): BuiltMessages {
  const parsed = LineContentSchema.safeParse(message.content?.['line'] ?? {})
  if (!parsed.success) {
    return { ok: false, reason: `content.line is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` }
  }
  const content = parsed.data
  let messages: LineMessage[]
  let survey: { surveyId: string; questionId: string; question?: string } | undefined
  let quickReplies = content.quickReplies
  if (content.messages) {
    messages = content.messages
  } else if (content.survey) {
    const asked = surveys.message(content.survey.surveyId, content.survey.questionId, locale)
    if (!asked) return { ok: false, reason: `no survey question "${content.survey.surveyId}/${content.survey.questionId}"` }
    messages = [asked]
    const question = surveys.questionText(content.survey.surveyId, content.survey.questionId, locale)
    survey = question === undefined ? { ...content.survey } : { ...content.survey, question }
  } else if (message.template !== undefined) {
    const rendered = templates.render(message.template, locale, message.variables ?? {})
    if (!rendered.ok) return rendered
    messages = rendered.messages
    quickReplies ??= rendered.quickReplies === undefined ? undefined : [...rendered.quickReplies]
  } else {
    const text = [message.title, message.text, message.url].filter((part): part is string => typeof part === 'string' && part.length > 0).join('\n')
    if (text.length === 0) return { ok: false, reason: 'nothing to send: no content.line.messages, survey, template or text' }
    if (text.length > 5000) return { ok: false, reason: 'text is longer than LINE\'s 5000 characters' }
    messages = [{ type: 'text', text }]
  }
  if (quickReplies) messages = [...messages.slice(0, -1), withQuickReplies(messages.at(-1)!, quickReplies)]
  return survey === undefined ? { ok: true, messages, content } : { ok: true, messages, content, survey }
}
