// The getting-started guide: a real channel instead of the recording one.
import { lineChannel } from '@omotenashi/channel-line'
import { createHub, type Hub } from '@omotenashi/core'
import { decisioning, type RuleBook } from '@omotenashi/decisioning'
import { profiles } from '@omotenashi/profile'

/** The guide's hub with LINE (not started: the test only checks what it is made of). */
export async function hubWithLine(rules: RuleBook): Promise<Hub> {
  // #region line
  const hub = await createHub({
    modules: [
      profiles(),
      decisioning({ rules }),
      lineChannel({
        channelAccessToken: process.env.LINE_CHANNEL_ACCESS_TOKEN!,
        channelSecret: process.env.LINE_CHANNEL_SECRET!,
      }),
    ],
  })
  // #endregion line
  return hub
}
