import { fnv1a, mix32 } from '@omotenashi/core'

/** The partition of a partition key. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions
}

/**
 * Who should own each of `count` partitions among `members`: rendezvous hashing with bounded
 * loads. Each partition goes to the member it weighs highest for, unless that member already
 * holds its share (`count / members`, rounded down, or up for the first `count % members`
 * members to fill it), then to the next. Every worker computes the same
 * answer from the same member list; shares differ by at most one partition (plain rendezvous
 * hashing leaves one of two workers with 19 of 32 partitions, and the whole run waits for it);
 * and when a worker joins or leaves, mostly only the partitions that must move do.
 */
export function assignPartitions(count: number, members: readonly string[]): Array<string | undefined> {
  const owners = new Array<string | undefined>(count).fill(undefined)
  if (members.length === 0) return owners
  const sorted = [...new Set(members)].sort()
  const share = Math.floor(count / sorted.length)
  let extras = count % sorted.length // members that may hold one more than `share`
  const load = new Map(sorted.map((m) => [m, 0]))
  for (let p = 0; p < count; p++) {
    const ranked = sorted.map((member) => ({ member, weight: mix32(fnv1a(`${member}#${p}`)) })).sort((a, b) => b.weight - a.weight || (a.member < b.member ? -1 : 1))
    const owner = ranked.find((r) => load.get(r.member)! < share || (load.get(r.member) === share && extras > 0))!.member
    if (load.get(owner) === share) extras--
    load.set(owner, load.get(owner)! + 1)
    owners[p] = owner
  }
  return owners
}
