import { afterEach, describe, expect, it } from 'vitest'
import { EventCatalog } from '../catalog/event-catalog.js'
import type { EventInput } from '../envelope.js'
import type { Connector, EmitResult } from '../ports/connector.js'

/** What a connector contract run needs. */
export interface ConnectorFixture {
  /** The connector under test, not started. */
  readonly connector: Connector
  /** Makes the outside source produce something (post a webhook, drop a file, advance a poll). */
  readonly trigger: () => Promise<void>
  /** Waits until the connector had its chance to emit what `trigger` caused. Default: 50 ms. */
  readonly settle?: () => Promise<void>
  /** Custom event types the connector emits, if any. */
  readonly catalog?: EventCatalog
  /** Releases what the fixture opened. */
  readonly cleanup?: () => Promise<void>
}

/** The Connector contract: emits valid events while started, nothing after stop, reports health. */
export function describeConnectorContract(name: string, make: () => Promise<ConnectorFixture>): void {
  describe(`Connector contract: ${name}`, () => {
    let fixture: ConnectorFixture | undefined
    afterEach(async () => {
      await fixture?.connector.stop().catch(() => undefined)
      await fixture?.cleanup?.()
      fixture = undefined
    })
    const settle = (f: ConnectorFixture) => (f.settle ? f.settle() : new Promise<void>((r) => setTimeout(r, 50)))

    it('emits events that pass the catalogue', async () => {
      fixture = await make()
      const emitted: EventInput[] = []
      const emit = async (e: EventInput): Promise<EmitResult> => {
        emitted.push(e)
        return { ok: true, id: e.id ?? `id-${emitted.length}` }
      }
      await fixture.connector.start(emit)
      await fixture.trigger()
      await settle(fixture)
      expect(emitted.length).toBeGreaterThan(0)
      const catalog = fixture.catalog ?? new EventCatalog()
      for (const e of emitted) {
        const parsed = catalog.safeParse(e, { now: () => new Date().toISOString(), newId: () => 'x' })
        expect(parsed.ok ? [] : parsed.issues).toEqual([])
      }
    })

    it('reports health', async () => {
      fixture = await make()
      await fixture.connector.start(async (e) => ({ ok: true, id: e.id ?? 'x' }))
      const health = await fixture.connector.health()
      expect(['up', 'degraded', 'down']).toContain(health.status)
    })

    it('emits nothing after stop', async () => {
      fixture = await make()
      const emitted: EventInput[] = []
      await fixture.connector.start(async (e) => {
        emitted.push(e)
        return { ok: true, id: e.id ?? 'x' }
      })
      await fixture.connector.stop()
      const before = emitted.length
      await fixture.trigger().catch(() => undefined)
      await settle(fixture)
      expect(emitted.length).toBe(before)
    })
  })
}
