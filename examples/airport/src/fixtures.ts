
/** The example's event files (read them with `readEventFile`, play them with `playEvents`, both from `@omotenashi/core`). */
export const FIXTURES = {
  customers: new URL('../fixtures/customers.ndjson', import.meta.url),
  morning: new URL('../fixtures/morning.ndjson', import.meta.url),
} as const
