/**
 * A constant-rate (open-loop) HTTP load generator for latency goals stated "at N requests/s".
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a quota per second and
 * lets it fire back to back until the quota is spent, so "1 000 req/s over 10 connections" is a
 * burst of 10 closed loops at full speed at the start of every second, then silence. Its
 * coordinated-omission correction then assumes one request per millisecond per connection and
 * adds synthetic samples for every response slower than 1 ms. Neither is a constant rate.
 *
 * Here request i is due at `start + i / rate`; it goes out on the next free keep-alive
 * connection (raw sockets, requests pre-serialised, so the generator stays cheap). Two latencies
 * per request: from the moment it was sent (what wrk and autocannon report) and from the moment it
 * was due (includes any wait for a free connection or a late timer: the wrk2 view, immune to
 * coordinated omission).
 *
 * Runs as a child process (`fork`) so it never shares an event loop with the server under test.
 */
import { connect, type Socket } from 'node:net'

/** What the parent asks for. */
export interface ConstantRateJob {
  readonly url: string
  readonly method: 'GET' | 'POST'
  readonly headers: Readonly<Record<string, string>>
  /** Bodies used round robin (each a JSON string). */
  readonly bodies: readonly string[]
  readonly rate: number
  readonly seconds: number
  readonly connections: number
}

/** What the child answers: latencies in milliseconds, unsorted. */
export interface ConstantRateResult {
  readonly sent: number
  readonly completed: number
  readonly non2xx: number
  readonly errors: number
  readonly fromSend: number[]
  readonly fromDue: number[]
  readonly elapsedSeconds: number
}

interface Conn {
  readonly socket: Socket
  busy: boolean
  buffer: Buffer
  sentAt: number
  dueAt: number
}

function serialise(job: ConstantRateJob, body: string): Buffer {
  const url = new URL(job.url)
  const payload = Buffer.from(body)
  const head = [`${job.method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: keep-alive', ...Object.entries(job.headers).map(([k, v]) => `${k}: ${v}`)]
  if (job.method === 'POST') head.push(`content-length: ${payload.length}`)
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), job.method === 'POST' ? payload : Buffer.alloc(0)])
}

/** Length of one complete response at the start of `buffer` and its status, or undefined if incomplete. */
function completeResponse(buffer: Buffer): { length: number; status: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const head = buffer.toString('latin1', 0, end)
  const status = Number(head.slice(9, 12))
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (!match) throw new Error(`response without content-length (status ${status}): the generator reads only sized bodies`)
  const length = end + 4 + Number(match[1])
  return buffer.length >= length ? { length, status } : undefined
}

/** Runs one job to completion (waits for the last responses, up to 5 s). */
export async function runConstantRate(job: ConstantRateJob): Promise<ConstantRateResult> {
  const url = new URL(job.url)
  const requests = job.bodies.map((body) => serialise(job, body))
  const fromSend: number[] = []
  const fromDue: number[] = []
  let non2xx = 0
  let errors = 0
  const idle: Conn[] = []
  const backlog: number[] = [] // due times of requests waiting for a free connection
  let next = 0
  const conns = await Promise.all(
    Array.from({ length: job.connections }, () =>
      new Promise<Conn>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => resolve(conn))
        socket.setNoDelay(true)
        const conn: Conn = { socket, busy: false, buffer: Buffer.alloc(0), sentAt: 0, dueAt: 0 }
        socket.once('error', reject)
        socket.on('data', (chunk: Buffer) => {
          const now = performance.now()
          conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk])
          const done = completeResponse(conn.buffer)
          if (!done) return
          conn.buffer = conn.buffer.subarray(done.length)
          fromSend.push(now - conn.sentAt)
          fromDue.push(now - conn.dueAt)
          if (done.status < 200 || done.status > 299) non2xx++
          conn.busy = false
          const waiting = backlog.shift()
          if (waiting === undefined) idle.push(conn)
          else send(conn, waiting)
        })
        socket.on('close', () => {
          if (conn.busy) errors++
        })
      }),
    ),
  )
  idle.push(...conns)
  const send = (conn: Conn, dueAt: number): void => {
    conn.busy = true
    conn.dueAt = dueAt
    conn.sentAt = performance.now()
    conn.socket.write(requests[next++ % requests.length]!)
  }
  const interval = 1000 / job.rate
  const total = Math.round(job.rate * job.seconds)
  const start = performance.now()
  let issued = 0
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now()
      while (issued < total && start + issued * interval <= now) {
        const due = start + issued * interval
        issued++
        const conn = idle.pop()
        if (conn) send(conn, due)
        else backlog.push(due)
      }
      if (issued >= total) return resolve()
      // Sleep until the next request is due (timers have ~1 ms granularity: the due-time latency shows the cost).
      setTimeout(tick, Math.max(0, start + issued * interval - performance.now()))
    }
    tick()
  })
  const deadline = performance.now() + 5000
  while (fromSend.length + errors < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const elapsedSeconds = (performance.now() - start) / 1000
  for (const conn of conns) conn.socket.destroy()
  return { sent: issued, completed: fromSend.length, non2xx, errors: errors + (total - fromSend.length - errors), fromSend, fromDue, elapsedSeconds }
}

/** Percentile (nearest rank) of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

if (process.argv.includes('--constant-rate-child')) {
  process.on('message', async (job: ConstantRateJob) => {
    const result = await runConstantRate(job)
    process.send!(result)
  })
  process.send!({ ready: true })
}
