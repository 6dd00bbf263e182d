/** A progress bar on a TTY stream; silent anywhere else (pipes, CI logs). */
export interface Progress {
  /** Moves to `done` of `total`. */
  update(done: number, note?: string): void
  /** Clears the bar. */
  finish(): void
}

/** Creates a progress bar for `total` units on `stream` (stderr by default). */
export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, finish() {} }
  let last = 0
  const width = 30
  const draw = (done: number, note = ''): void => {
    const ratio = total > 0 ? Math.min(1, done / total) : 0
    const filled = Math.round(ratio * width)
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${note}\x1b[K`)
  }
  return {
    update(done, note) {
      const now = Date.now()
      if (now - last < 80 && done < total) return
      last = now
      draw(done, note)
    },
    finish() {
      stream.write('\r\x1b[K')
    },
  }
}
