import { readFile } from 'node:fs/promises'
import type { EventInput, Hub, VirtualClock } from '@omotenashi/core'

/** Reads an NDJSON file of events (one JSON object a line; blank lines skipped). */
export async function readEvents(file: URL | string): Promise<EventInput[]> {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as EventInput
      } catch (error) {
        throw new Error(`${String(file)}:${i + 1}: not JSON (${(error as Error).message})`)
      }
    })
}

/** The example's event files. */
export const FIXTURES = {
  /** Bank customers: identifiers (bank customer number and phone) and traits. */
  customers: new URL('../fixtures/customers.ndjson', import.meta.url),
  /** What they read on the bank's website. */
  web: new URL('../fixtures/web.ndjson', import.meta.url),
  /** Calls to the call centre, with the outcome the agent records (see {@link CallFixture}). */
  calls: new URL('../fixtures/calls.ndjson', import.meta.url),
} as const

/** One call in `fixtures/calls.ndjson`: when, who, and what the customer answered to the offer. */
export interface CallFixture {
  readonly time: string
  readonly phone: string
  readonly callId: string
  readonly agentId: string
  /** The customer's answer to the suggested offer; absent when the call ends without one. */
  readonly response?: 'accepted' | 'declined' | 'later'
}

/** Reads the calls fixture. */
export async function readCalls(file: URL | string = FIXTURES.calls): Promise<CallFixture[]> {
  return (await readEvents(file)) as unknown as CallFixture[]
}

/**
 * Plays events on the virtual clock: the clock moves to each event's time (running any timer
 * due on the way), the event is published and the hub drained, so what it caused has happened
 * before the next one arrives. `after` sees each event once it has been processed.
 */
export async function play(hub: Hub, clock: VirtualClock, events: readonly EventInput[], after?: (event: EventInput) => void | Promise<void>): Promise<void> {
  for (const event of events) {
    if (typeof event.time === 'string' && Date.parse(event.time) > clock.now()) await clock.advanceTo(event.time)
    await hub.publish(event)
    await hub.drain()
    await after?.(event)
  }
}
