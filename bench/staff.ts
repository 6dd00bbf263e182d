/**
 * bench/staff: check-in event → clienteling card on a staff device, over loopback, at a paced
 * 1,000 check-ins/s. Side by side: the Omotenashi hub with staffChannel() to a WebSocket device
 * and to an SSE device, and what a team would hand-roll without the toolkit (a bare `ws` server
 * broadcasting a card to the store's sockets: no pipeline, no auth, no replay buffer).
 * Devices run in the same process as the server (one machine, shared CPU), so latencies include
 * the client's own parsing. Every run also has a device of another store, which must get nothing.
 *
 * Run: node --conditions=@omotenashi/source --import tsx bench/staff.ts
 */
import { createServer, get, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createHub, Tokens, type Decision, type Stage } from '@omotenashi/core'
import { serveRoutes, staffChannel, StaffTokens } from '@omotenashi/channel-staff'
import { connectStaffClient } from '@omotenashi/channel-staff/testing'
import { ContainerModule } from 'inversify'
import WebSocket, { WebSocketServer } from 'ws'

const RATE = 1_000 // check-ins per second
const TOTAL = 6_000 // per scenario (6 s)
const WARMUP = 1_000 // first check-ins (1 s) not counted: JIT warm-up
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Collects the previous scenario's garbage before the next one starts, so no scenario pays for
 * another's heap (without it, whichever ran second had a major GC in its tail).
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

/** Publishes `total` check-ins at `rate`/s (catching up when a tick runs late); returns the achieved rate. */
async function drive(total: number, rate: number, publish: (i: number) => Promise<unknown> | void): Promise<number> {
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1)
    const batch: Array<Promise<unknown> | void> = []
    while (sent < due) batch.push(publish(sent++))
    await Promise.all(batch)
    await sleep(1)
  }
  return (total / (performance.now() - start)) * 1000
}

/** Records send times by loyalty id and arrival latencies. */
class Latencies {
  readonly #sentAt = new Map<string, number>()
  readonly values: number[] = []
  received = 0
  sent(id: string): void {
    this.#sentAt.set(id, performance.now())
  }
  arrived(id: string | undefined): void {
    if (id === undefined) return
    const t = this.#sentAt.get(id)
    if (t === undefined) return
    this.received++
    if (Number(id.slice(2)) >= WARMUP) this.values.push(performance.now() - t)
  }
  async settle(total: number, timeoutMs = 10_000): Promise<void> {
    const end = performance.now() + timeoutMs
    while (this.received < total && performance.now() < end) await sleep(5)
  }
}

interface Row {
  readonly path: string
  readonly rate: number
  /** Process CPU time (user + system) per check-in, devices included (ms). */
  readonly cpuMs: number
  readonly lat: Latencies
  readonly otherStore: number
}

function cpuPer(since: NodeJS.CpuUsage, n: number): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000 / n
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/** The decide stage of the VIP story (decisioning is its own package): every check-in → one staff card. */
function vipDecider(): ContainerModule {
  const stage: Stage = {
    run(ctx) {
      if (ctx.event.type !== 'store.checked_in' || ctx.customerId === undefined) return
      const id = `d-${ctx.event.id}`
      const decision: Decision = {
        id, at: ctx.event.time, customerId: ctx.customerId, eventId: ctx.event.id, trigger: ctx.event.type,
        candidates: [{ actionId: 'vip-greet', status: 'won', reasons: ['bench'] }],
        actions: [{
          actionId: 'vip-greet', channels: ['staff'], idempotencyKey: id,
          message: { actionId: 'vip-greet', decisionId: id, text: 'Ask how the coat bought last week fits', ...(ctx.event.storeId ? { storeId: ctx.event.storeId } : {}), content: { staff: { avoid: 'The coat is on sale' } } },
          recipient: { customerId: ctx.customerId, identifiers: { loyaltyId: [ctx.event.identity.loyaltyId ?? ''] } },
        }],
      }
      ctx.decisions.push(decision)
    },
  }
  return new ContainerModule(({ bind }) => void bind(Tokens.DecideStage).toConstantValue(stage))
}

async function omotenashi(via: 'ws' | 'sse', total = TOTAL): Promise<Row> {
  const hub = await createHub({ modules: [vipDecider(), staffChannel({ stores: ['shibuya', 'umeda'], secret: SECRET, bufferSize: 1000 })] })
  await hub.start()
  const staff = hub.get(StaffTokens.Staff)
  const server = await serveRoutes(hub.container.getAll(Tokens.HttpRoute))
  const lat = new Latencies()
  let otherStore = 0
  const tokenA = staff.issueToken({ staffId: 'a', storeIds: ['shibuya'] })
  const other = await connectStaffClient(server.url, staff.issueToken({ staffId: 'b', storeIds: ['umeda'] }))
  other.socket.on('message', (d) => void (JSON.parse(d.toString()).type === 'card' && otherStore++))
  let close: () => void | Promise<void>
  if (via === 'ws') {
    const device = await connectStaffClient(server.url, tokenA)
    device.socket.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; card?: { customer: { loyaltyId?: string } } }
      if (m.type === 'card') lat.arrived(m.card?.customer.loyaltyId)
    })
    close = () => device.close()
  } else {
    // A plain node:http reader (what a Node device would use), parsing events as bytes arrive.
    const request = get(`${server.url}/staff/events?store=shibuya`, { headers: { authorization: `Bearer ${tokenA}` } })
    const response = await new Promise<IncomingMessage>((resolve) => request.once('response', resolve))
    let buffer = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      buffer += chunk
      let cut: number
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        if (!block.includes('event: card\n')) continue
        const data = block.slice(block.indexOf('data: ') + 6)
        lat.arrived((JSON.parse(data) as { card: { customer: { loyaltyId?: string } } }).card.customer.loyaltyId)
      }
    })
    close = () => void request.destroy()
  }
  const cpu = process.cpuUsage()
  const rate = await drive(total, RATE, (i) => {
    const id = `L-${i}`
    lat.sent(id)
    return hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: id }, storeId: 'shibuya' })
  })
  await lat.settle(total)
  const cpuMs = cpuPer(cpu, total)
  await close()
  await other.close()
  await hub.stop()
  await server.close()
  return { path: `Omotenashi hub → staffChannel → ${via === 'ws' ? 'WebSocket' : 'SSE'}`, rate, cpuMs, lat, otherStore }
}

/** What a team would write without the toolkit: a `ws` server and a map of store → sockets. */
async function handRolled(): Promise<Row> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http })
  const stores = new Map<string, Set<WebSocket>>()
  wss.on('connection', (ws, request) => {
    const store = new URL(request.url ?? '/', 'http://x').searchParams.get('store') ?? ''
    if (!stores.has(store)) stores.set(store, new Set())
    stores.get(store)!.add(ws)
    ws.on('close', () => stores.get(store)?.delete(ws))
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`
  const open = (store: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${url}/?store=${store}`)
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })
  const lat = new Latencies()
  let otherStore = 0
  const device = await open('shibuya')
  const other = await open('umeda')
  device.on('message', (d) => lat.arrived((JSON.parse(d.toString()) as { customer: { loyaltyId?: string } }).customer.loyaltyId))
  other.on('message', () => otherStore++)
  await sleep(50)
  let seq = 0
  const checkIn = (loyaltyId: string, storeId: string): void => {
    const card = JSON.stringify({
      id: `c${++seq}`, storeId, createdAt: new Date().toISOString(), actionId: 'vip-greet', priority: 'normal',
      customer: { loyaltyId }, suggestion: 'Ask how the coat bought last week fits', avoid: ['The coat is on sale'],
      talkingPoints: [], online: [], offline: [], triedOn: [], answers: [],
    })
    for (const ws of stores.get(storeId) ?? []) ws.send(card)
  }
  const cpu = process.cpuUsage()
  const rate = await drive(TOTAL, RATE, (i) => {
    const id = `L-${i}`
    lat.sent(id)
    checkIn(id, 'shibuya')
  })
  await lat.settle(TOTAL)
  const cpuMs = cpuPer(cpu, TOTAL)
  device.close()
  other.close()
  await new Promise<void>((r) => wss.close(() => r()))
  await new Promise<void>((r) => http.close(() => r()))
  return { path: 'hand-rolled `ws` broadcast (no hub, no auth, no replay)', rate, cpuMs, lat, otherStore }
}

export async function run(): Promise<string> {
  const rows: Row[] = []
  // One unmeasured run first: whichever path ran first paid for JIT compilation and heap growth.
  await omotenashi('ws', 2_000)
  for (const scenario of [() => omotenashi('ws'), () => omotenashi('sse'), handRolled]) {
    collectGarbage()
    rows.push(await scenario())
  }
  const lines = [
    `Check-in → card on a staff device, loopback, ${TOTAL} check-ins paced at ${RATE}/s (first ${WARMUP} not counted). Goal: p99 ≤ 50 ms.`,
    '',
    '| path | achieved rate (/s) | cards received | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | CPU per check-in (ms) | cards on the other store |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    const s = [...r.lat.values].sort((a, b) => a - b)
    const f = (n: number): string => n.toFixed(2)
    lines.push(`| ${r.path} | ${Math.round(r.rate)} | ${r.lat.received}/${TOTAL} | ${f(pct(s, 50))} | ${f(pct(s, 90))} | ${f(pct(s, 99))} | ${f(s.at(-1) ?? NaN)} | ${f(r.cpuMs)} | ${r.otherStore} |`)
  }
  lines.push('', `Machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (CPU per check-in counts this process only, devices included; when other work leaves less CPU than rate × CPU per check-in, a queue builds and the tail grows).`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await run())
}
