import { createHub, Tokens, type Hub, type OmoEvent } from '@omotenashi/core'
import type { ContainerModule } from 'inversify'
import { serveRoutes, type LocalServer } from '@omotenashi/core/testing'

/** A started hub with the given modules, its webhook routes served over real HTTP, and every accepted event. */
export async function hubWith(...modules: ContainerModule[]): Promise<{ hub: Hub; server: LocalServer; events: OmoEvent[]; close: () => Promise<void> }> {
  const hub = await createHub({ modules })
  const events: OmoEvent[] = []
  hub.hooks.on('event.accepted', (event) => events.push(event))
  await hub.start()
  const server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute))
  return {
    hub,
    server,
    events,
    close: async () => {
      await server.close()
      await hub.stop()
    },
  }
}

/** POSTs a raw body with headers; returns status and JSON body. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}
