import { TestScheduler } from 'rxjs/testing'
import { map, throwError } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { orderedByKey } from './ordered-by-key.js'

// Values are "<key><frames>": "a3" is key "a", and its work takes 3 frames.
const keyOf = (v: string) => v[0]!
const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected))

describe('orderedByKey (marble tests)', () => {
  it('runs one item at a time per key and different keys concurrently', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const work = (v: string) => cold(`${'-'.repeat(Number(v[1]))}|`)
      const source = hot('abc|', { a: 'a3', b: 'b1', c: 'a1' })
      // b1 finishes at 2 while a3 still runs; a1 waits for a3 (done at 3) and finishes at 4.
      expectObservable(source.pipe(orderedByKey(keyOf, work), map((s) => s.value))).toBe('--xy(z|)', { x: 'b1', y: 'a3', z: 'a1' })
    })
  })

  it('holds a key\'s later items back while its first is slow, and releases them in order', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const work = (v: string) => cold(`${'-'.repeat(Number(v[1]))}|`)
      const source = hot('abcd|', { a: 'a5', b: 'a1', c: 'a1', d: 'b1' })
      // b1 is not held back by key a; a5 ends at 5; the two a1s follow it one after the other.
      expectObservable(source.pipe(orderedByKey(keyOf, work), map((s) => s.value))).toBe('----wxy(z|)', { w: 'b1', x: 'a5', y: 'a1', z: 'a1' })
    })
  })

  it('emits a failing item with its error and goes on with the key', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const work = (v: string) => (v === 'a1' ? throwError(() => new Error('boom')) : cold('-|'))
      const source = hot('ab|', { a: 'a1', b: 'a2' })
      const out = source.pipe(
        orderedByKey(keyOf, work),
        map((s) => `${s.value}:${s.error ? (s.error as Error).message : 'ok'}`),
      )
      expectObservable(out).toBe('x-(y|)', { x: 'a1:boom', y: 'a2:ok' })
    })
  })

  it('stays synchronous for synchronous work', () => {
    const seen: string[] = []
    newScheduler().run(({ hot, expectObservable }) => {
      const source = hot('ab|', { a: 'a1', b: 'b1' })
      expectObservable(source.pipe(orderedByKey(keyOf, (v) => void seen.push(v)), map((s) => s.value))).toBe('xy|', { x: 'a1', y: 'b1' })
    })
    expect(seen).toEqual(['a1', 'b1'])
  })
})

describe('KeyedRunner', () => {
  it('keeps order when a key alternates between async and sync work, and when work re-enters', async () => {
    const { KeyedRunner } = await import('./keyed-runner.js')
    const seen: string[] = []
    const runner: InstanceType<typeof KeyedRunner<string>> = new KeyedRunner<string>(
      (v) => v[0]!,
      (v) => {
        seen.push(v)
        if (v === 'a1') runner.push('a3') // re-entrant push of the running key: must wait for a1
        if (v.endsWith('async')) return new Promise<void>((r) => setTimeout(r, 5))
        return undefined
      },
      () => undefined,
    )
    runner.push('a1')
    runner.push('a2-async')
    runner.push('a4')
    runner.push('b1')
    await new Promise((r) => setTimeout(r, 20))
    runner.push('a5')
    runner.push('a6-async')
    runner.push('a7')
    await new Promise((r) => setTimeout(r, 20))
    expect(seen.filter((v) => v[0] === 'a')).toEqual(['a1', 'a3', 'a2-async', 'a4', 'a5', 'a6-async', 'a7'])
    expect(seen).toContain('b1')
    expect(runner.activeKeys).toBe(0)
  })
})
