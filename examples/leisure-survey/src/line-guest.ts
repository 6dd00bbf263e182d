import { lineEvents } from '@omotenashi/channel-line/testing'
import type { LeisureHub } from './hub.js'

/** A LINE text message as the local LINE server received it, with quick replies. */
interface QuestionMessage {
  readonly type: string
  readonly text?: string
  readonly quickReply?: { readonly items: ReadonlyArray<{ readonly action: { readonly type: string; readonly label: string; readonly data?: string } }> }
}

/** The last question (a message with quick replies) a guest received on LINE, if any. */
export function lastQuestion(leisure: LeisureHub, userId: string): QuestionMessage | undefined {
  const messages = leisure.line.deliveredTo(userId).flatMap((d) => d.messages as QuestionMessage[])
  return messages.filter((m) => m.quickReply !== undefined).at(-1)
}

/** The guest follows the account: LINE posts a `follow` webhook (consent and reachability follow). */
export async function follow(leisure: LeisureHub, userIds: readonly string[]): Promise<number> {
  return leisure.postWebhook(userIds.map((userId) => lineEvents.follow({ userId, timestamp: leisure.clock.now() })))
}

/**
 * The guest taps a quick reply of the question they received: LINE posts the button's postback
 * data back to the hub's webhook, signed. Returns the HTTP status of the webhook.
 */
export async function tap(leisure: LeisureHub, userId: string, label: string): Promise<number> {
  const question = lastQuestion(leisure, userId)
  const button = question?.quickReply?.items.find((item) => item.action.label === label)
  if (button?.action.data === undefined) throw new Error(`${userId} has no quick reply "${label}" to tap`)
  return leisure.postWebhook([lineEvents.postback({ userId, data: button.action.data, timestamp: leisure.clock.now() })])
}
