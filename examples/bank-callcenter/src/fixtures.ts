import { readEventFile } from '@omotenashi/core'

/** The example's event files (read them with `readEventFile`, play them with `playEvents`, both from `@omotenashi/core`). */
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
  return (await readEventFile(file)) as unknown as CallFixture[]
}
