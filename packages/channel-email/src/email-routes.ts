import type { ServerResponse } from 'node:http'
import { readBody, sendJson, type HttpRoute } from '@omotenashi/core'
import type { EmailFeedback } from './email-feedback.js'
import { confirmPage, donePage, invalidPage, pageLanguage, UNSUBSCRIBE_PAGE_TEXTS } from './unsubscribe-pages.js'

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  })
  response.end(html)
}

/**
 * The unsubscribe routes at `${path}/:token`: GET shows a confirmation page, POST records the
 * opt-out. The POST answers RFC 8058 one-click requests (`List-Unsubscribe=One-Click`, sent by
 * the mailbox provider without cookies or redirects) and the confirmation form alike.
 */
export function unsubscribeRoutes(path: string, feedback: EmailFeedback): HttpRoute[] {
  const routePath = `${path.replace(/\/$/, '')}/:token`
  const get: HttpRoute = {
    method: 'GET',
    path: routePath,
    access: 'public',
    summary: 'Email unsubscribe: confirmation page (does not unsubscribe by itself).',
    async handle(request, response, params) {
      const lang = pageLanguage(request.headers['accept-language'])
      const texts = UNSUBSCRIBE_PAGE_TEXTS[lang]
      // Only the shape is checked here; the signature is checked on POST, which is what acts.
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(params['token'] ?? '')) return sendHtml(response, 400, invalidPage(lang, texts))
      sendHtml(response, 200, confirmPage(lang, texts))
    },
  }
  const post: HttpRoute = {
    method: 'POST',
    path: routePath,
    access: 'public',
    summary: 'Email unsubscribe: RFC 8058 one-click POST; records consent.changed (granted false).',
    async handle(request, response, params) {
      const lang = pageLanguage(request.headers['accept-language'])
      const texts = UNSUBSCRIBE_PAGE_TEXTS[lang]
      try {
        // The body ("List-Unsubscribe=One-Click") carries nothing we need; read it to free the socket.
        await readBody(request, 8_192)
      } catch {
        return sendHtml(response, 413, invalidPage(lang, texts))
      }
      const outcome = await feedback.unsubscribe(params['token'] ?? '')
      if (outcome.ok) return sendHtml(response, 200, donePage(lang, texts))
      if (outcome.error === 'not_started') return sendJson(response, 503, { code: 'E_NOT_STARTED', message: 'the hub is not running' })
      if (outcome.error === 'refused') return sendJson(response, 500, { code: 'E_CHANNEL', message: 'the opt-out could not be recorded' })
      sendHtml(response, 400, invalidPage(lang, texts))
    },
  }
  return [get, post]
}

/**
 * `POST ${path}`: takes in a bounce or complaint report as the raw message
 * (`message/rfc822` or any text body), for mailboxes or providers that forward them.
 * Needs the `ingest` API scope. 202 when events were published, 422 with the reason when the
 * report could not be read or tied to a customer.
 */
export function bounceRoute(path: string, feedback: EmailFeedback): HttpRoute {
  return {
    method: 'POST',
    path,
    access: 'ingest',
    summary: 'Email bounces and complaints: post the raw DSN (RFC 3464) or ARF report (RFC 5965).',
    async handle(request, response) {
      let body: Buffer
      try {
        body = await readBody(request, 5_242_880)
      } catch (error) {
        return sendJson(response, 413, { code: 'E_VALIDATION', message: (error as Error).message })
      }
      if (body.length === 0) return sendJson(response, 400, { code: 'E_VALIDATION', message: 'body: the raw report message is required' })
      const outcome = await feedback.ingestReport(body)
      if (outcome.published === 0) {
        const notStarted = !feedback.started
        return sendJson(response, notStarted ? 503 : 422, { code: notStarted ? 'E_NOT_STARTED' : 'E_VALIDATION', message: outcome.problems.join('; '), kind: outcome.kind })
      }
      sendJson(response, 202, { kind: outcome.kind, published: outcome.published, problems: outcome.problems })
    },
  }
}
