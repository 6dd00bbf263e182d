/**
 * bench/core: what the bus and the empty pipeline cost, side by side with a bare RxJS Subject.
 * Run: node --conditions=@omotenashi/source --import tsx bench/core.ts
 */
import { Subject } from 'rxjs'
import { createHub, MemoryEventBus, Tokens, VirtualClock, type OmoEvent } from '@omotenashi/core'
import { fileURLToPath } from 'node:url'

const N = 1_000_000
const CUSTOMERS = 10_000

function events(n: number): OmoEvent[] {
  const out: OmoEvent[] = new Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = { id: `e${i}`, type: 'page.viewed', source: 'web', time: '2026-01-01T00:00:00.000Z', identity: { customerId: `c${i % CUSTOMERS}` }, data: { path: '/' } }
  }
  return out
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000)
}

/** Best of `runs` timings of `fn` (ms). */
async function best(runs: number, fn: () => Promise<void> | void): Promise<number> {
  let min = Infinity
  for (let r = 0; r < runs; r++) {
    const t = performance.now()
    await fn()
    min = Math.min(min, performance.now() - t)
  }
  return min
}

export async function run(): Promise<string> {
  const input = events(N)
  const rows: Array<[string, number, string]> = []

  // 1. A bare RxJS Subject: the floor any RxJS-based bus starts from.
  let count = 0
  const subject = new Subject<OmoEvent>()
  subject.subscribe(() => void count++)
  const subjectMs = await best(3, () => {
    for (const e of input) subject.next(e)
  })
  rows.push(['bare RxJS Subject.next (no ordering, no bound)', rate(N, subjectMs), '1.0×'])

  // 2. MemoryEventBus: per-customer ordering, bounded, retries — synchronous handler.
  const busMs = await best(3, async () => {
    const bus = new MemoryEventBus({ capacity: N })
    let handled = 0
    bus.consume(() => void handled++, () => undefined)
    await bus.start()
    for (const e of input) bus.offer(e)
    await bus.drain()
    if (handled !== N) throw new Error(`bus handled ${handled} of ${N}`)
  })
  rows.push(['MemoryEventBus.offer → handler (ordered per customer)', rate(N, busMs), `${(busMs / subjectMs).toFixed(1)}×`])

  // 3. The whole hub pipeline with empty stages, events already validated.
  const pipelineMs = await best(3, async () => {
    const hub = await createHub({ clock: new VirtualClock(), bus: { capacity: N } })
    let processed = 0
    hub.hooks.on('event.processed', () => void processed++)
    await hub.start()
    const bus = hub.get(Tokens.EventBus) as MemoryEventBus
    for (const e of input) bus.offer(e)
    await hub.drain()
    if (processed !== N) throw new Error(`pipeline processed ${processed} of ${N}`)
    await hub.stop()
  })
  rows.push(['hub pipeline, empty stages (identify→profile→decide→act)', rate(N, pipelineMs), `${(pipelineMs / subjectMs).toFixed(1)}×`])

  // 4. The same through hub.publish: zod validation of every event included.
  const M = 200_000
  const raw = input.slice(0, M).map(({ id: _id, time: _time, ...rest }) => rest)
  const publishMs = await best(3, async () => {
    const hub = await createHub({ clock: new VirtualClock(), bus: { capacity: M } })
    await hub.start()
    for (const e of raw) await hub.publish(e)
    await hub.drain()
    await hub.stop()
  })
  rows.push(['hub.publish (validate + bus + empty pipeline)', rate(M, publishMs), `${(publishMs / M / (subjectMs / N)).toFixed(1)}×`])

  const lines = [
    `| path | events/s | cost vs bare Subject |`,
    `| --- | ---: | ---: |`,
    ...rows.map(([name, r, x]) => `| ${name} | ${r.toLocaleString('en-US')} | ${x} |`),
  ]
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`bench/core — ${N.toLocaleString('en-US')} events over ${CUSTOMERS.toLocaleString('en-US')} customers, best of 3, Node ${process.version}\n`)
  console.log(await run())
}
