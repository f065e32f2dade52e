/**
 * Preference lists (riak_core_apl): the vnodes responsible for a ring key, clockwise from the
 * partition that owns its hash.
 */
import { PartitionIndex, keyIndex, successorIndices, successorsOf } from './chash';
import { NodeName } from './ring';

export interface PreflistEntry {
  readonly index: PartitionIndex;
  readonly node: NodeName;
}

/** The first n partitions clockwise from the key's partition, with their owners (riak_core_apl:get_primary_apl ignoring liveness). */
export function primaryPreflist(owners: readonly NodeName[], key: bigint, n: number): PreflistEntry[] {
  return successorIndices(key, owners.length, n).map((index) => ({ index, node: owners[index] }));
}

/** The primary preference list of a (bucket, key) pair, by its owners (no liveness). */
export function keyPreflist(owners: readonly NodeName[], bucket: string, key: string, n: number): PreflistEntry[] {
  return successorsOf(keyIndex(bucket, key, owners.length), owners.length, n).map((index) => ({ index, node: owners[index] }));
}
