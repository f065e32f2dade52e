/**
 * Branded node names and partition indices for tests: `n('a@127.0.0.1')`, `const [a, b] = nodes('a', 'b')`,
 * `p(3)`, `ps(0, 1, 2)`. Each goes through the checking constructor, so a test cannot build a name or an
 * index the runtime would refuse.
 */
import { MAX_RING_SIZE, PartitionIndex, partitionIndex } from '../lib/chash';
import { NodeName, nodeName } from '../lib/node-name';

/** `name` as a node name. */
export function n(name: string): NodeName {
  return nodeName(name);
}

/** Several node names at once: `const [a, b, c] = nodes('a', 'b', 'c')`. */
export function nodes(...names: string[]): NodeName[] {
  return names.map(nodeName);
}

/** `i` as a partition index (of a ring of up to MAX_RING_SIZE partitions). */
export function p(i: number): PartitionIndex {
  return partitionIndex(i, MAX_RING_SIZE);
}

/** Several partition indices at once. */
export function ps(...indices: number[]): PartitionIndex[] {
  return indices.map(p);
}
