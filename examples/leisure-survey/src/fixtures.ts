import { readFile } from 'node:fs/promises'
import { readEventFile } from '@omotenashi/core'

/** The example's event files (read them with `readEventFile`, play them with `playEvents`, both from `@omotenashi/core`). */
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
  return (await readEventFile(FIXTURES.guests)).map((e) => e.identity?.['lineUserId']).filter((id): id is string => id !== undefined)
}
