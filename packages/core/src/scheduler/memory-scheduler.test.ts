import { VirtualClock } from '../clock.js'
import { describeSchedulerContract, virtualTime } from '../testing/index.js'
import { MemoryScheduler } from './memory-scheduler.js'

describeSchedulerContract('memory', async () => {
  const clock = new VirtualClock('2026-03-01T00:00:00Z')
  return { scheduler: new MemoryScheduler(clock), ...virtualTime(clock) }
})
