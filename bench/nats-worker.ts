/**
 * A hub worker for bench/nats.ts: NATS bus, memory profiles (customers stay with their partition's
 * owner). It starts consuming on the parent's `go`, and reports how many events it processed and
 * when its first and last one finished (wall-clock ms), so the parent times consumption alone.
 */
import type { ContainerModule } from 'inversify'
import { createHub, recordingChannel } from '@omotenashi/core'
import { profiles } from '@omotenashi/profile'
import { decisioning, parseRules } from '@omotenashi/decisioning'
import { natsBus } from '@omotenashi/bus-nats'
import { EVENT_RULES } from './rules.js'
import { procCpuMs } from './proc-cpu.js'

// WORKLOAD=rules adds what a real hub does next: every event runs the decisioning stage (its
// rules compiled per trigger, contact policies, channel choice, the decision recorded).
const rules = parseRules(EVENT_RULES)
const withRules: ContainerModule[] =
  process.env['WORKLOAD'] === 'rules' ? [decisioning({ rules, learning: { seed: 1 } }), recordingChannel({ id: 'line', capabilities: { addressKind: 'lineUserId' } })] : []

const hub = await createHub({
  emitOutcomes: false,
  modules: [
    natsBus({
      servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
      hub: process.env['HUB']!,
      workerId: process.env['WORKER_ID']!,
      partitions: Number(process.env['PARTITIONS'] ?? 32),
      maxAckPending: Number(process.env['MAX_ACK_PENDING']),
      leaseMs: 3_000,
      rebalanceMs: 500,
      // Workers started together agree on the split before claiming (no hand-over mid-run).
      joinDelayMs: 400,
    }),
    profiles(),
    ...withRules,
  ],
})
let processed = 0
let first = 0
let last = 0
hub.hooks.on('event.processed', () => {
  const now = performance.timeOrigin + performance.now()
  if (processed++ === 0) first = now
  last = now
})
/** CPU ms of this process's main (JavaScript) thread; the rest is GC and I/O helper threads. */
const mainThreadCpuMs = (): number => procCpuMs(`/proc/self/task/${process.pid}/stat`) ?? Number.NaN
let cpuAtGo = process.cpuUsage()
let mainAtGo = mainThreadCpuMs()
process.on('message', (message: string) => {
  if (message === 'go') {
    cpuAtGo = process.cpuUsage()
    mainAtGo = mainThreadCpuMs()
    void hub.start()
  }
  if (message === 'report') {
    const cpu = process.cpuUsage(cpuAtGo)
    process.send?.({ processed, first, last, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainThreadCpuMs() - mainAtGo, maxRssMb: process.resourceUsage().maxRSS / 1024 })
  }
})
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)))
process.send?.('ready')
