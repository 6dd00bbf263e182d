import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { LineWebhookHandler } from './webhook-handler.js'

/** Options of {@link lineWebhookFastify}. */
export interface LineWebhookFastifyOptions {
  /** The handler (from `createLineWebhook` or the module's `LineTokens.WebhookHandler`). */
  readonly handler: LineWebhookHandler
  /** Route path. Default `/webhooks/line`. */
  readonly path?: string
}

/**
 * A Fastify plugin mounting the LINE webhook. It keeps the body as raw bytes (the signature is
 * over the exact bytes LINE sent; re-serialised JSON would not match), in its own encapsulated
 * scope, so the application's JSON parsing elsewhere is untouched.
 *
 * @example
 * ```ts
 * await app.register(lineWebhookFastify, { handler })
 * ```
 */
export const lineWebhookFastify: FastifyPluginAsync<LineWebhookFastifyOptions> = async (app: FastifyInstance, options) => {
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1_048_576 }, (_request, body, done) => done(null, body))
  app.post(options.path ?? '/webhooks/line', async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const signature = request.headers['x-line-signature']
    const answer = await options.handler.handleRaw(raw, Array.isArray(signature) ? signature[0] : signature)
    return reply.code(answer.status).send(answer.body)
  })
}
