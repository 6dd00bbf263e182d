import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualClock } from '../clock.js'
import type { EventInput } from '../envelope.js'
import { createHub } from './hub.js'
import { playEvents, readEventFile } from './play-events.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function file(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'omo-events-'))
  dirs.push(dir)
  const path = join(dir, 'events.ndjson')
  await writeFile(path, text)
  return path
}

describe('readEventFile', () => {
  it('reads one event a line and skips blank lines', async () => {
    const path = await file('{"type":"page.viewed","source":"web"}\n\n  \n{"type":"page.viewed","source":"app"}\n')
    expect((await readEventFile(path)).map((e) => e.source)).toEqual(['web', 'app'])
  })

  it('names the file and the real line of a line that is not JSON', async () => {
    const path = await file('{"type":"page.viewed","source":"web"}\n\n{oops\n')
    await expect(readEventFile(path)).rejects.toThrow(`${path}:3: not JSON`)
  })
})

describe('playEvents', () => {
  it('moves the clock to each event, runs the timers due on the way and drains before the next', async () => {
    const clock = new VirtualClock('2026-03-01T09:00:00Z')
    const hub = await createHub({ clock })
    await hub.start()
    try {
      const seen: string[] = []
      clock.setTimer(Date.parse('2026-03-01T09:30:00Z'), () => seen.push('timer'))
      const events: EventInput[] = [
        { type: 'page.viewed', source: 'a', identity: { anonymousId: 'x' }, time: '2026-03-01T09:10:00Z', data: { path: '/' } },
        { type: 'page.viewed', source: 'b', identity: { anonymousId: 'x' }, time: '2026-03-01T10:00:00Z', data: { path: '/' } },
        { type: 'page.viewed', source: 'c', identity: { anonymousId: 'x' }, time: '2026-03-01T09:00:00Z', data: { path: '/' } },
      ]
      await playEvents(hub, clock, events, (event) => void seen.push(`after ${event.source} ${new Date(clock.now()).toISOString()}`))
      expect(seen).toEqual([
        'after a 2026-03-01T09:10:00.000Z',
        'timer',
        'after b 2026-03-01T10:00:00.000Z',
        'after c 2026-03-01T10:00:00.000Z',
      ])
    } finally {
      await hub.stop()
    }
  })
})
