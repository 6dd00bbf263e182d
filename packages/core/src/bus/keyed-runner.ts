import { from, type ObservableInput } from 'rxjs'

/** The work done for one item: nothing (synchronous), a promise, or any observable input. */
export type KeyedWork<T> = (value: T) => ObservableInput<unknown> | void

/** Told when an item's work has finished; `error` is set when it failed. */
export type SettledCallback<T> = (value: T, key: string, error?: unknown) => void

/**
 * The engine under `orderedByKey` and the in-process bus: runs work one item at a time per key
 * and concurrently across keys. Written for the hot path: an idle key costs one Map entry and
 * no allocation per item; synchronous work never touches a promise.
 */
export class KeyedRunner<T> {
  // A key is present while its work runs: `null` when nothing waits behind it, else the queue.
  readonly #waiting = new Map<string, T[] | null>()
  readonly #keyOf: (value: T) => string
  readonly #work: KeyedWork<T>
  readonly #settled: SettledCallback<T>
  // Keys whose work is running synchronously right now (nested runs make this a short stack).
  readonly #syncKeys: string[] = []

  constructor(keyOf: (value: T) => string, work: KeyedWork<T>, settled: SettledCallback<T>) {
    this.#keyOf = keyOf
    this.#work = work
    this.#settled = settled
  }

  /** Keys with work running (or queued). */
  get activeKeys(): number {
    let n = this.#waiting.size
    for (const key of this.#syncKeys) if (!this.#waiting.has(key)) n++
    return n
  }

  /** Whether items wait behind `key`'s current work. */
  hasQueued(key: string): boolean {
    const queue = this.#waiting.get(key)
    return queue !== undefined && queue !== null && queue.length > 0
  }

  /** Runs `value` now if its key is idle, else queues it behind the key's current work. */
  push(value: T): void {
    const key = this.#keyOf(value)
    const queue = this.#waiting.get(key)
    if (queue === null) this.#waiting.set(key, [value])
    else if (queue !== undefined) queue.push(value)
    else if (this.#syncKeys.includes(key)) this.#waiting.set(key, [value]) // re-entrant: it runs now, so wait
    else this.#run(value, key)
  }

  #run(value: T, key: string): void {
    // Synchronous work does not enter the map at all (the hot path): the key is marked busy on
    // a small stack instead, and only work that turns asynchronous registers in the map.
    this.#syncKeys.push(key)
    let current: T | undefined = value
    while (current !== undefined) {
      let result: ObservableInput<unknown> | void
      try {
        result = this.#work(current)
      } catch (error) {
        this.#settled(current, key, error ?? new Error('work threw undefined'))
        current = this.#takeQueued(key)
        continue
      }
      if (result === undefined) {
        this.#settled(current, key)
        current = this.#takeQueued(key)
        continue
      }
      if (!this.#waiting.has(key)) this.#waiting.set(key, null)
      this.#syncKeys.pop()
      this.#await(current, key, result)
      return
    }
    this.#syncKeys.pop()
    // A key that came back from async work is still marked busy in the map: it is idle now.
    if (this.#waiting.size !== 0 && this.#waiting.get(key) === null) this.#waiting.delete(key)
  }

  /** For a key running synchronously: the next queued item, if any (the key stays off the map when none). */
  #takeQueued(key: string): T | undefined {
    if (this.#waiting.size === 0) return undefined
    const queue = this.#waiting.get(key)
    if (!queue) return undefined
    const next = queue.shift()
    if (queue.length === 0) this.#waiting.delete(key)
    return next
  }

  #await(value: T, key: string, result: ObservableInput<unknown>): void {
    // While this key waits on async work it stays in the map, so pushes queue behind it.
    if (result instanceof Promise) {
      void this.#awaitPromise(value, key, result)
      return
    }
    let failed = false
    from(result).subscribe({
      error: (error: unknown) => {
        failed = true
        this.#done(value, key, error ?? new Error('work failed with undefined'))
      },
      complete: () => {
        if (!failed) this.#done(value, key)
      },
    })
  }

  // An async frame rather than `.then` with a callback per outcome: fewer objects per item on
  // the path every event of an async pipeline takes.
  async #awaitPromise(value: T, key: string, result: Promise<unknown>): Promise<void> {
    let error: unknown
    try {
      await result
    } catch (failure) {
      error = failure ?? new Error('work failed with undefined')
    }
    this.#done(value, key, error)
  }

  /** `value`'s async work has finished: tell, then run the key's next item, if any. */
  #done(value: T, key: string, error?: unknown): void {
    this.#settled(value, key, error)
    const next = this.#next(key)
    if (next !== undefined) this.#run(next, key)
  }

  /** The next item of `key`, or undefined (and the key goes idle). */
  #next(key: string): T | undefined {
    const queue = this.#waiting.get(key)
    if (queue === null || queue === undefined) {
      this.#waiting.delete(key)
      return undefined
    }
    const next = queue.shift()
    if (queue.length === 0) this.#waiting.set(key, null)
    return next
  }
}
