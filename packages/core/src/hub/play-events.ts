import { readFile } from 'node:fs/promises'
import type { VirtualClock } from '../clock.js'
import type { EventInput } from '../envelope.js'
import type { Hub } from './hub.js'

/**
 * Plays recorded events through a hub on a virtual clock: the clock moves to each event's time
 * (running any timer due on the way), the event is published and the hub drained, so what it
 * caused has happened before the next one arrives, as it would live. Events without a time, or
 * with one before the clock, are published at the current virtual time. `after` sees each
 * event once it has been processed (demos print there; tests assert there).
 */
export async function playEvents(hub: Hub, clock: VirtualClock, events: Iterable<EventInput>, after?: (event: EventInput) => void | Promise<void>): Promise<void> {
  for (const event of events) {
    if (typeof event.time === 'string' && Date.parse(event.time) > clock.now()) await clock.advanceTo(event.time)
    await hub.publish(event)
    await hub.drain()
    await after?.(event)
  }
}

/**
 * Reads an NDJSON file of events: one JSON object a line, blank lines skipped. For fixtures and
 * recorded days; the events are validated when published, not here.
 * @throws Error naming the file and line of a line that is not JSON.
 */
export async function readEventFile(file: URL | string): Promise<EventInput[]> {
  const lines = (await readFile(file, 'utf8')).split('\n')
  const events: EventInput[] = []
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    try {
      events.push(JSON.parse(line) as EventInput)
    } catch (error) {
      throw new Error(`${String(file)}:${i + 1}: not JSON (${(error as Error).message})`)
    }
  }
  return events
}
