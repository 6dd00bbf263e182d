import { Observable, from, type ObservableInput, type OperatorFunction } from 'rxjs'

/** What {@link orderedByKey} emits for each input once its work has finished. */
export interface Settled<T> {
  /** The input. */
  readonly value: T
  /** The partition key it was ordered by. */
  readonly key: string
  /** Set when the work threw or its observable errored. */
  readonly error?: unknown
}

/** The work done for one item: nothing (synchronous), a promise, or any observable input. */
export type KeyedWork<T> = (value: T) => ObservableInput<unknown> | void

/**
 * Runs `work` for every item, one at a time per key and concurrently across keys, and emits a
 * {@link Settled} record as each finishes. Errors of the work are emitted, not thrown, so one
 * failing item never stops the stream. Synchronous work stays synchronous: no promise, no
 * scheduler hop, which is what lets the hub pass a million events a second.
 */
export function orderedByKey<T>(keyOf: (value: T) => string, work: KeyedWork<T>): OperatorFunction<T, Settled<T>> {
  return (source) =>
    new Observable<Settled<T>>((subscriber) => {
      // A key is present while it has work running; its array holds what waits behind it.
      const waiting = new Map<string, T[]>()
      let sourceDone = false

      const finish = (value: T, key: string, error?: unknown): void => {
        subscriber.next(error === undefined ? { value, key } : { value, key, error })
        const queue = waiting.get(key)
        const next = queue?.shift()
        if (next === undefined) {
          waiting.delete(key)
          if (sourceDone && waiting.size === 0) subscriber.complete()
        } else run(next, key)
      }

      const run = (value: T, key: string): void => {
        let result: ObservableInput<unknown> | void
        try {
          result = work(value)
        } catch (error) {
          finish(value, key, error ?? new Error('work threw undefined'))
          return
        }
        if (result === undefined) {
          finish(value, key)
          return
        }
        let failed = false
        from(result).subscribe({
          error: (error: unknown) => {
            failed = true
            finish(value, key, error ?? new Error('work failed with undefined'))
          },
          complete: () => {
            if (!failed) finish(value, key)
          },
        })
      }

      const subscription = source.subscribe({
        next: (value) => {
          const key = keyOf(value)
          const queue = waiting.get(key)
          if (queue) queue.push(value)
          else {
            waiting.set(key, [])
            run(value, key)
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true
          if (waiting.size === 0) subscriber.complete()
        },
      })
      return () => subscription.unsubscribe()
    })
}
