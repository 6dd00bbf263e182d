import { fileURLToPath } from 'node:url'

// The contracts live beside the checkout (../shared/contracts from the repo root), never copied in.
/** LINE's Messaging API contract. */
export const MESSAGING_API_SPEC = fileURLToPath(new URL('../../../../shared/contracts/line/messaging-api.yml', import.meta.url))
/** LINE's webhook contract. */
export const WEBHOOK_SPEC = fileURLToPath(new URL('../../../../shared/contracts/line/webhook.yml', import.meta.url))
