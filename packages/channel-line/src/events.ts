/**
 * Published when a send learns that a LINE user cannot be reached (LINE says the user does not
 * exist for this channel): core's standard `channel.reachability_changed`, which the profile
 * applies. Blocks arrive as `line.unfollowed` instead, since LINE answers sends to users who
 * blocked the account with 200.
 */
export const LINE_REACHABILITY_CHANGED = 'channel.reachability_changed'
