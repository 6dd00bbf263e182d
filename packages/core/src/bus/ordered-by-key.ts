import { Observable, type OperatorFunction } from 'rxjs'
import { KeyedRunner, type KeyedWork } from './keyed-runner.js'

export type { KeyedWork } from './keyed-runner.js'

/** What {@link orderedByKey} emits for each input once its work has finished. */
export interface Settled<T> {
  /** The input. */
  readonly value: T
  /** The partition key it was ordered by. */
  readonly key: string
  /** Set when the work threw or its observable errored. */
  readonly error?: unknown
}

/**
 * Runs `work` for every item, one at a time per key and concurrently across keys, and emits a
 * {@link Settled} record as each finishes. Errors of the work are emitted, not thrown, so one
 * failing item never stops the stream. Synchronous work stays synchronous: no promise, no
 * scheduler hop. The in-process bus runs on the same {@link KeyedRunner}.
 */
export function orderedByKey<T>(keyOf: (value: T) => string, work: KeyedWork<T>): OperatorFunction<T, Settled<T>> {
  return (source) =>
    new Observable<Settled<T>>((subscriber) => {
      let sourceDone = false
      const runner = new KeyedRunner<T>(keyOf, work, (value, key, error) => {
        subscriber.next(error === undefined ? { value, key } : { value, key, error })
        // The runner drops `key` right after this callback when nothing waits behind it.
        if (sourceDone && runner.activeKeys === 1 && !runner.hasQueued(key)) subscriber.complete()
      })
      const subscription = source.subscribe({
        next: (value) => runner.push(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true
          if (runner.activeKeys === 0) subscriber.complete()
        },
      })
      return () => subscription.unsubscribe()
    })
}
