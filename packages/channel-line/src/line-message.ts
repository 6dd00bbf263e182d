import * as z from 'zod'

/** Message types this channel sends (a subset of LINE's: what marketing and surveys need). */
export const LINE_MESSAGE_TYPES = ['text', 'flex', 'image', 'sticker', 'template'] as const

/**
 * A quick-reply button: a postback (answers, surveys), a message the user sends by tapping, or
 * just a string (shorthand for a message button whose label, cut to LINE's 20 characters, and
 * text are that string).
 */
export const QuickReplyButtonSchema = z.union([
  z
    .string()
    .min(1)
    .max(300)
    .transform((text) => ({ label: [...text].slice(0, 20).join(''), text })),
  z.object({
    label: z.string().min(1).max(20),
    data: z.string().min(1).max(300),
    displayText: z.string().min(1).max(300).optional(),
  }),
  z.object({ label: z.string().min(1).max(20), text: z.string().min(1).max(300) }),
])

/** A quick-reply button. */
export type QuickReplyButton = z.output<typeof QuickReplyButtonSchema>

/**
 * One LINE message object, checked for what LINE requires of each type (a text needs `text`, a
 * flex needs `altText` and `contents`). Other properties pass through untouched.
 */
export const LineMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string().min(1).max(5000) }),
  z.looseObject({ type: z.literal('flex'), altText: z.string().min(1).max(1500), contents: z.looseObject({ type: z.enum(['bubble', 'carousel']) }) }),
  z.looseObject({ type: z.literal('image'), originalContentUrl: z.string().min(1), previewImageUrl: z.string().min(1) }),
  z.looseObject({ type: z.literal('sticker'), packageId: z.string().min(1), stickerId: z.string().min(1) }),
  z.looseObject({ type: z.literal('template'), altText: z.string().min(1).max(400), template: z.looseObject({ type: z.string() }) }),
])

/** One LINE message object. */
export type LineMessage = z.infer<typeof LineMessageSchema>

/**
 * What an `OutboundMessage` (@omotenashi/core) may carry under `content.line`: ready LINE
 * messages, a survey question to ask, quick replies, a reply token to answer with, and whether
 * to notify.
 */
export const LineContentSchema = z.object({
  /** Ready LINE message objects (1 to 5). Take precedence over templates and text. */
  messages: z.array(LineMessageSchema).min(1).max(5).optional(),
  /** Ask this survey question (its answers become quick replies). */
  survey: z.object({ surveyId: z.string().min(1), questionId: z.string().min(1) }).optional(),
  /** Quick replies added to the last message (at most 13). */
  quickReplies: z.array(QuickReplyButtonSchema).min(1).max(13).optional(),
  /** Send silently (LINE's `notificationDisabled`). */
  notificationDisabled: z.boolean().optional(),
  /** Answer with this reply token instead of a push (it must still be fresh). */
  replyToken: z.string().min(1).optional(),
})

/** What an OutboundMessage may carry under `content.line`. */
export type LineContent = z.infer<typeof LineContentSchema>

/** Attaches quick replies to a message (replacing any it had). */
export function withQuickReplies(message: LineMessage, buttons: readonly QuickReplyButton[]): LineMessage {
  return {
    ...message,
    quickReply: {
      items: buttons.map((b) => ({
        type: 'action',
        action:
          'data' in b
            ? { type: 'postback', label: b.label, data: b.data, ...(b.displayText === undefined ? {} : { displayText: b.displayText }) }
            : { type: 'message', label: b.label, text: b.text },
      })),
    },
  }
}
