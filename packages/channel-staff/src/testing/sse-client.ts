/** One Server-Sent Event as received. */
export interface SseEvent {
  readonly event: string
  readonly id?: string
  readonly data: string
}

/** A test reader of an SSE stream. */
export interface SseTestStream {
  /** The HTTP status. */
  readonly status: number
  /** Events received so far. */
  readonly events: SseEvent[]
  /** Resolves with the first event (received or coming) that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>
  /** Stops reading. */
  close(): void
}

/**
 * Opens an SSE stream with `fetch` and parses its events (enough of the format for tests:
 * `event`, `id`, `data`, comments).
 */
export async function openSseStream(url: string, headers: Readonly<Record<string, string>> = {}): Promise<SseTestStream> {
  const abort = new AbortController()
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal })
  const events: SseEvent[] = []
  const waiters = new Set<() => void>()
  if (response.ok && response.body) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          let event = 'message'
          let id: string | undefined
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue
            const colon = line.indexOf(':')
            const field = colon < 0 ? line : line.slice(0, colon)
            const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
            if (field === 'event') event = v
            else if (field === 'id') id = v
            else if (field === 'data') data.push(v)
          }
          if (data.length === 0) continue
          events.push({ event, data: data.join('\n'), ...(id === undefined ? {} : { id }) })
          for (const w of [...waiters]) w()
        }
      }
    })().catch(() => undefined)
  } else {
    await response.body?.cancel()
  }
  return {
    status: response.status,
    events,
    waitFor(predicate, timeoutMs = 2_000) {
      return new Promise((resolve, reject) => {
        const found = events.find(predicate)
        if (found) return resolve(found)
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching SSE event within ${timeoutMs} ms`))
        }, timeoutMs)
        const check = (): void => {
          const e = events.find(predicate)
          if (!e) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve(e)
        }
        waiters.add(check)
      })
    },
    close: () => abort.abort(),
  }
}
