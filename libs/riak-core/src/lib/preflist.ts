/**
 * Preference lists (riak_core_apl): the vnodes responsible for a ring key, clockwise from the
 * partition that owns its hash.
 */
import { PartitionIndex, successorIndices } from './chash';
import { NodeName } from './ring';

export interface PreflistEntry {
  readonly index: PartitionIndex;
  readonly node: NodeName;
}

/** The first n partitions clockwise from the key's partition, with their owners (riak_core_apl:get_primary_apl ignoring liveness). */
export function primaryPreflist(owners: readonly NodeName[], key: bigint, n: number): PreflistEntry[] {
  return successorIndices(key, owners.length, n).map((index) => ({ index, node: owners[index] }));
}
