/** The `fetch` function adapters call; pass your own (a proxy agent, a test double) in the options. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/** How {@link fetchWithRetry} retries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4. */
  readonly attempts?: number
  /** First back-off in ms, doubled each time (with jitter). Default 200. */
  readonly baseDelayMs?: number
  /** Longest wait in ms, also the cap on a server's `Retry-After`. Default 30 000. */
  readonly maxDelayMs?: number
  /** Waits `ms` (tests pass a fake). Default: a real timer. */
  readonly sleep?: (ms: number) => Promise<void>
}

/** A non-success HTTP answer, after the retries. Carries the status, never the body's personal data. */
export class HttpStatusError extends Error {
  /** HTTP status. */
  readonly status: number
  constructor(status: number, url: string, detail = '') {
    super(`HTTP ${status} from ${redact(url)}${detail ? `: ${detail}` : ''}`)
    this.name = 'HttpStatusError'
    this.status = status
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Drops the query string: it may carry ids of people. */
function redact(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : `${url.slice(0, q)}?…`
}

/** Seconds or an HTTP date in `Retry-After`, as ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/**
 * Fetches with retries on what is worth retrying: network errors, 429 (rate limited: waits for
 * `Retry-After` when the server sends it) and 5xx. Any other status is returned to the caller.
 */
export async function fetchWithRetry(fetchFn: FetchLike, url: string, init: RequestInit, policy: RetryPolicy = {}): Promise<Response> {
  const attempts = policy.attempts ?? 4
  const base = policy.baseDelayMs ?? 200
  const max = policy.maxDelayMs ?? 30_000
  const sleep = policy.sleep ?? realSleep
  let lastError: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait: number | undefined
    try {
      const response = await fetchFn(url, init)
      if (response.status !== 429 && response.status < 500) return response
      lastError = new HttpStatusError(response.status, url)
      wait = retryAfterMs(response.headers.get('retry-after'))
      await response.body?.cancel().catch(() => undefined)
    } catch (error) {
      lastError = error
    }
    if (attempt === attempts) break
    const backoff = base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)
    await sleep(Math.min(max, wait ?? backoff))
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}
