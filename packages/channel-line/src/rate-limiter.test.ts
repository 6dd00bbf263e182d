import { describe, expect, it } from 'vitest'
import { RateLimiter, type LimiterTime } from './rate-limiter.js'

/** A fake time (the limiter's only dependency) so spacing is checked exactly, not by wall clock. */
function fakeTime(): LimiterTime & { t: number; slept: number[] } {
  const time = {
    t: 0,
    slept: [] as number[],
    now: () => time.t,
    sleep: async (ms: number) => {
      time.slept.push(ms)
      time.t += ms
    },
  }
  return time
}

describe('RateLimiter', () => {
  it('spaces requests 1/rate apart', async () => {
    const time = fakeTime()
    const limiter = new RateLimiter(10, 1, time)
    const at: number[] = []
    for (let i = 0; i < 5; i++) {
      await limiter.acquire()
      at.push(time.t)
    }
    expect(at).toEqual([0, 100, 200, 300, 400])
  })

  it('lets a burst through at once, then spaces', async () => {
    const time = fakeTime()
    const limiter = new RateLimiter(10, 3, time)
    const at: number[] = []
    for (let i = 0; i < 5; i++) {
      await limiter.acquire()
      at.push(time.t)
    }
    expect(at).toEqual([0, 0, 0, 100, 200])
  })

  it('pause pushes the next slot back', async () => {
    const time = fakeTime()
    const limiter = new RateLimiter(10, 1, time)
    await limiter.acquire()
    limiter.pause(1000)
    await limiter.acquire()
    expect(time.t).toBe(1000)
  })
})
