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
  /** Members: LINE user id, member number, name, time zone, language. */
  guests: new URL('../fixtures/guests.ndjson', import.meta.url),
  /** Check-ins at the resort (one backfilled from last month). */
  visits: new URL('../fixtures/visits.ndjson', import.meta.url),
  /** What each guest taps on the evening question (see {@link AnswersFixture}). */
  answers: new URL('../fixtures/answers.json', import.meta.url),
  /** Browsing the travel site a few days later. */
  browsing: new URL('../fixtures/browsing.ndjson', import.meta.url),
} as const

/** `fixtures/answers.json`: the quick reply each guest taps, by LINE user id. */
export interface AnswersFixture {
  readonly tapsAfterMinutes: number
  readonly taps: Readonly<Record<string, string>>
}

/** Reads the answers fixture. */
export async function readAnswers(file: URL | string = FIXTURES.answers): Promise<AnswersFixture> {
  return JSON.parse(await readFile(file, 'utf8')) as AnswersFixture
}

/** The LINE user ids of the guests, in fixture order. */
export async function guestLineIds(): Promise<string[]> {
  return (await readEvents(FIXTURES.guests)).map((e) => e.identity?.['lineUserId']).filter((id): id is string => id !== undefined)
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
