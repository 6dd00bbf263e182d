import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SystemClock, type ScheduledTimer } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { RedisConnection } from './connection.js'
import { RedisScheduler } from './redis-scheduler.js'
import { TEST_REDIS_URL, testRedis, type TestRedis } from './testing/index.js'

const test = await serviceTest('redis')
const WORKER = fileURLToPath(new URL('./fixtures/scheduler-worker.ts', import.meta.url))
const TIMERS = 400
const LEASE_MS = 1_500

/** Starts a worker process and resolves once its scheduler runs. */
function spawnWorker(prefix: string, name: string): Promise<ChildProcess> {
  const child = fork(WORKER, [TEST_REDIS_URL, prefix, name, String(LEASE_MS)], {
    execArgv: ['--conditions=@omotenashi/source', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready`)))
  })
}

describe('RedisScheduler worker processes', () => {
  let t: TestRedis
  beforeAll(() => void (t = testRedis('sched-crash')))
  afterAll(async () => void (await t?.drop().catch(() => {})))

  test('one of two worker processes is SIGKILLed mid-batch: every timer still fires, and only leased timers fire twice', async () => {
    const workers = await Promise.all([spawnWorker(t.prefix, 'a'), spawnWorker(t.prefix, 'b')])
    try {
      const scheduler = new RedisScheduler(new RedisConnection({ client: t.client, prefix: t.prefix }), new SystemClock())
      const now = Date.now()
      await Promise.all(
        Array.from({ length: TIMERS }, (_, i) =>
          scheduler.schedule({ id: `t${i}`, at: now + (i % 100) * 15, event: { type: 'timer.fired', source: 'system', data: { timerId: `t${i}`, purpose: 'crash' } } }),
        ),
      )
      const firedBy = async (): Promise<Map<string, string[]>> => {
        const map = new Map<string, string[]>()
        for (const entry of await t.client.lrange(`${t.prefix}fired`, 0, -1)) {
          const [id, worker] = entry.split('|') as [string, string]
          map.set(id, [...(map.get(id) ?? []), worker])
        }
        return map
      }
      const deadline = Date.now() + 30_000
      while ([...(await firedBy()).values()].filter((w) => w.includes('a')).length < 40) {
        if (Date.now() > deadline) throw new Error('worker a never fired')
        await new Promise((r) => setTimeout(r, 10))
      }
      const dead = new Promise((r) => workers[0]!.once('exit', r))
      workers[0]!.kill('SIGKILL')
      await dead
      // Leased at the time of the kill: claimable later than their due time.
      const killedAt = Date.now()
      const leased = new Set<string>()
      for (const id of await t.client.zrangebyscore(`${t.prefix}timers:run`, killedAt, '+inf')) {
        const json = await t.client.hget(`${t.prefix}timer:${id}`, 'timer')
        if (json && Date.parse((JSON.parse(json) as ScheduledTimer).at) <= killedAt) leased.add(id)
      }
      while ((await t.client.zcard(`${t.prefix}timers:run`)) > 0) {
        if (Date.now() > deadline + 30_000) throw new Error('timers were left unfired')
        await new Promise((r) => setTimeout(r, 50))
      }
      const fired = await firedBy()
      expect(fired.size).toBe(TIMERS)
      for (const [id, by] of fired) {
        if (by.length > 1) {
          expect(by).toEqual(['a', 'b'])
          expect(leased.has(id)).toBe(true)
        }
      }
      expect([...fired.values()].filter((by) => by.includes('b')).length).toBeGreaterThan(0)
    } finally {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM')
      await Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null ? undefined : new Promise((r) => w.once('exit', r)))))
    }
  })
})
