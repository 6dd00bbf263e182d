/** Something taken from a partition that is finished at some point. */
export interface Finishable {
  done: boolean
}

/**
 * Cumulative acknowledgement of a partition's events, which finish out of order (different
 * customers run concurrently): JetStream's `AckPolicy.All` acks everything up to the message
 * acked, so only the newest message whose predecessors are all finished may be acked. One ack
 * then stands for many events, which saves the server most of its per-event ack work.
 */
export class CumulativeAcks<T extends Finishable> {
  readonly #queue: T[] = []
  #head = 0

  /** Records an item taken, in delivery order. */
  take(item: T): void {
    this.#queue.push(item)
  }

  /**
   * Marks `item` finished. Returns the newest item that may now be acked (it and everything
   * taken before it are finished), or undefined when the acked prefix did not move.
   */
  finish(item: T): T | undefined {
    item.done = true
    let last: T | undefined
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.done) last = this.#queue[this.#head++]
    // Drop the finished prefix now and then, not on every call (shift is linear).
    if (this.#head >= 1_024 && this.#head * 2 >= this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
    return last
  }

  /** Items taken and not yet covered by an ack, oldest first. */
  *unacked(): IterableIterator<T> {
    for (let i = this.#head; i < this.#queue.length; i++) yield this.#queue[i]!
  }
}
