import type { JetStreamManager } from 'nats'

/**
 * The JetStream stream holding partition `partition` of `hub`: one stream per partition.
 *
 * Why not one stream for the hub with a subject per partition: a NATS server (2.9, at least)
 * finds a filtered consumer's next message by reading every message after the last one it
 * delivered, copying each out of the block, until one has the consumer's subject, so with `n`
 * partitions interleaved it copies about `n` messages for each one it delivers; a consumer of a
 * stream of its own reads it in order. `bench/nats-layout.ts` compares the two (docs/benchmarks.md).
 *
 * Names of different hubs never collide: cutting the final `_p<n>` off gives back the hub's name.
 */
export function partitionStream(hub: string, partition: number): string {
  return `OMO_${hub}_p${partition}`
}

/** The subject events of `partition` of `hub` are published to (the only subject of its stream). */
export function partitionSubject(hub: string, partition: number): string {
  return `omo.${hub}.p.${partition}`
}

/** The JetStream KV buckets of `hub`: partition leases, live workers, restart counts. */
export function hubBuckets(hub: string): { readonly owners: string; readonly members: string; readonly resets: string } {
  return { owners: `OMO_${hub}_owners`, members: `OMO_${hub}_members`, resets: `OMO_${hub}_resets` }
}

/**
 * Deletes everything `hub` keeps in JetStream: the streams of its partitions (every event in
 * them, and their consumers) and its KV buckets (leases, members, restart counts). For tests, and
 * for retiring a hub once its workers are stopped; a running worker would recreate its streams.
 *
 * @returns the names of the streams deleted.
 */
export async function deleteHub(jsm: JetStreamManager, hub: string): Promise<string[]> {
  const partitionStreams = new RegExp(`^OMO_${hub}_p\\d+$`)
  const buckets = new Set(Object.values(hubBuckets(hub)).map((bucket) => `KV_${bucket}`))
  const names: string[] = []
  for await (const name of jsm.streams.names()) if (partitionStreams.test(name) || buckets.has(name)) names.push(name)
  // A stream already gone (deleted by another cleanup meanwhile) is what was asked for.
  await Promise.all(names.map((name) => jsm.streams.delete(name).catch(() => false)))
  return names
}
