import { expect, it } from 'vitest'
import { createProgress } from './progress.js'

const stream = (isTTY: boolean) => {
  const writes: string[] = []
  return { writes, stream: { isTTY, write: (t: string) => void writes.push(t) } as unknown as NodeJS.WriteStream }
}

it('draws a bar on a TTY and clears it at the end', () => {
  const { writes, stream: s } = stream(true)
  const bar = createProgress(200, 'replay', s)
  bar.update(200, '200 events')
  expect(writes.at(-1)).toMatch(/^\rreplay \[#{30}\] 100% 200 events/)
  bar.finish()
  expect(writes.at(-1)).toBe('\r\x1b[K')
})

it('stays silent when the stream is not a terminal (pipes, CI logs)', () => {
  const { writes, stream: s } = stream(false)
  const bar = createProgress(10, 'replay', s)
  bar.update(5)
  bar.finish()
  expect(writes).toEqual([])
})
