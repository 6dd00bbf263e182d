import { IdentitySchema, readBody, sendJson, type HttpRoute } from '@omotenashi/core'
import * as z from 'zod'
import type { PushRegistry } from './push-registry.js'

/** Body of the device registration routes. */
export const DeviceRegistrationSchema = z
  .object({
    customerId: z.string().min(1).max(512).optional(),
    identity: IdentitySchema.optional(),
    token: z.string().min(1).max(4000),
  })
  .strict()
  .refine((v) => v.customerId !== undefined || (v.identity !== undefined && Object.keys(v.identity).length > 0), {
    message: 'give customerId or identity',
    path: ['customerId'],
  })

/**
 * `POST ${path}` registers a device, `DELETE ${path}` unregisters it. JSON body
 * `{ customerId | identity, token }`. Scope `ingest` (the app's backend calls it, or the app
 * through the server's API key). 400 names the bad field.
 */
export function deviceRoutes(path: string, registry: PushRegistry): HttpRoute[] {
  const handler = (action: 'register' | 'unregister'): HttpRoute['handle'] =>
    async (request, response) => {
      let json: unknown
      try {
        json = JSON.parse((await readBody(request, 16_384)).toString('utf8'))
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode ?? 400
        return sendJson(response, status, { code: 'E_VALIDATION', message: status === 413 ? 'body too large' : 'body: must be JSON' })
      }
      const parsed = DeviceRegistrationSchema.safeParse(json)
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
        return sendJson(response, 400, { code: 'E_VALIDATION', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues })
      }
      const b = parsed.data
      const result = await registry[action]({ token: b.token, ...(b.customerId === undefined ? {} : { customerId: b.customerId }), ...(b.identity === undefined ? {} : { identity: b.identity }) })
      if (result.ok) return sendJson(response, action === 'register' ? 201 : 200, { ok: true, eventId: result.eventId })
      if (result.field) return sendJson(response, 400, { code: 'E_VALIDATION', message: `${result.field}: ${result.reason}`, issues: [{ path: result.field, message: result.reason }] })
      sendJson(response, 503, { code: 'E_NOT_STARTED', message: result.reason })
    }
  return [
    { method: 'POST', path, access: 'ingest', summary: 'Registers a push device token for a customer.', handle: handler('register') },
    { method: 'DELETE', path, access: 'ingest', summary: 'Unregisters a push device token.', handle: handler('unregister') },
  ]
}
