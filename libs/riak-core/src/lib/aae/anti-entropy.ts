/**
 * What a service gives active anti-entropy (riak_kv's hooks into its index_hashtree and
 * exchange_fsm), besides its vnodes' `foldDigests` and `updateHashtree` reports: where a key lives
 * on the ring, and how to bring two replicas of a key in step. Register it with
 * `VnodeServiceModule.register({ ..., antiEntropy })`.
 */
import { PartitionIndex } from '../chash';
import { NodeName } from '../ring';

/** A replica of a key: a partition's vnode on a node. */
export interface ReplicaRef {
  readonly index: PartitionIndex;
  readonly node: NodeName;
}

export interface AntiEntropyHooks {
  /** The first partition of `key`'s preference list (the range whose tree holds it). */
  keyPartition(key: string, ringSize: number): PartitionIndex;
  /**
   * Bring the replicas of `key` on `replicas` in step, with the service's own merge: every replica
   * ends up holding at least what each of them held (so a repair never loses a newer version).
   * An exchange calls it for each key whose digests differ; a rejection is counted and the next
   * exchange finds the key again.
   */
  repair(key: string, replicas: readonly ReplicaRef[]): Promise<void>;
}
