import type { HttpRoute } from '@omotenashi/core'
import { sendJson } from '@omotenashi/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { serveRoutes, type RouteServer } from './serve-routes.js'

const routes: HttpRoute[] = [
  { method: 'GET', path: '/items/:id', access: 'public', handle: async (_q, r, p) => sendJson(r, 200, { id: p['id'] }) },
  { method: 'POST', path: '/admin/reset', access: 'admin', handle: async (_q, r) => sendJson(r, 200, { reset: true }) },
  { method: 'GET', path: '/boom', access: 'public', handle: async () => Promise.reject(new Error('secret detail')) },
]

describe('serveRoutes', () => {
  let server: RouteServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('routes by method and path with parameters, and answers 404, 405 and 500 without detail', async () => {
    server = await serveRoutes(routes)
    expect(await (await fetch(`${server.url}/items/a%20b`)).json()).toEqual({ id: 'a b' })
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404)
    expect((await fetch(`${server.url}/items/1`, { method: 'DELETE' })).status).toBe(405)
    const boom = await fetch(`${server.url}/boom`)
    expect(boom.status).toBe(500)
    expect(await boom.text()).not.toContain('secret detail')
  })

  it('keeps non-public routes closed unless authorize lets the request through', async () => {
    server = await serveRoutes(routes)
    expect((await fetch(`${server.url}/admin/reset`, { method: 'POST' })).status).toBe(401)
    await server.close()
    server = await serveRoutes(routes, { authorize: (request, route) => route.access === 'admin' && request.headers['x-api-key'] === 'k' })
    expect((await fetch(`${server.url}/admin/reset`, { method: 'POST', headers: { 'x-api-key': 'nope' } })).status).toBe(401)
    expect((await fetch(`${server.url}/admin/reset`, { method: 'POST', headers: { 'x-api-key': 'k' } })).status).toBe(200)
  })

  it('refuses upgrades on routes that do not speak WebSocket', async () => {
    server = await serveRoutes(routes)
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${server!.url.replace('http', 'ws')}/items/1`)
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.once('open', () => reject(new Error('opened')))
      ws.once('error', () => undefined)
    })
    expect(status).toBe(404)
  })
})
