import type { OmoEvent } from './envelope.js'
import { identityKey } from './identity.js'

/**
 * The key an event is ordered by: the customer (see {@link identityKey}), else its subject
 * (an item), else its source. Events with one key are processed one after another.
 */
export function partitionKey(event: Pick<OmoEvent, 'identity' | 'subject' | 'source'>): string {
  return identityKey(event.identity) ?? (event.subject === undefined ? `source:${event.source}` : `subject:${event.subject}`)
}
