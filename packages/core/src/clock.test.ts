import { describe, expect, it } from 'vitest'
import { SystemClock, VirtualClock } from './clock.js'

describe('VirtualClock', () => {
  it('runs timers in time order as time advances, and not before', async () => {
    const clock = new VirtualClock('2026-01-01T00:00:00Z')
    const fired: string[] = []
    const t0 = clock.now()
    clock.setTimer(t0 + 2000, () => fired.push(`b@${clock.now() - t0}`))
    clock.setTimer(t0 + 1000, () => fired.push(`a@${clock.now() - t0}`))
    const cancelled = clock.setTimer(t0 + 1500, () => fired.push('cancelled'))
    cancelled.cancel()
    await clock.advance(1999)
    expect(fired).toEqual(['a@1000'])
    await clock.advance(1)
    expect(fired).toEqual(['a@1000', 'b@2000'])
    expect(clock.pending).toBe(0)
  })

  it('runs timers that timers set, within the same advance', async () => {
    const clock = new VirtualClock(0)
    const fired: number[] = []
    clock.setTimer(10, () => {
      fired.push(clock.now())
      clock.setTimer(20, () => fired.push(clock.now()))
    })
    await clock.advanceTo(30)
    expect(fired).toEqual([10, 20])
    expect(clock.now()).toBe(30)
  })
})

describe('SystemClock', () => {
  it('fires a real timer', async () => {
    const clock = new SystemClock()
    const at = clock.now() + 20
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(at, () => resolve(Date.now())))
    expect(firedAt).toBeGreaterThanOrEqual(at - 1)
  })
})
