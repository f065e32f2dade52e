/**
 * Preference lists (riak_core_apl): the vnodes responsible for a ring key, clockwise from the
 * partition that owns its hash. See docs/placement.md.
 *
 * Everything here is a pure function of the ring's `owners` (partition index -> node), the index of
 * the key's first partition, the replication factor n, and the set of nodes up for the service.
 * n is a non-negative integer, capped at Q; n = 0 gives an empty list.
 *
 * Sloppy quorum (riak_core_apl:get_apl_ann, Dynamo §4.6): the primaries are the first n
 * partitions clockwise from `first`. Each down primary is replaced by a fallback: its partition
 * index, served by the next up node met walking the *rest* of the ring (partitions first+n ..
 * first+Q-1, without wrapping back into the primaries). Each later ring entry serves at most one
 * down primary (riak's find_fallbacks consumes the entry whether or not the node was seen before),
 * so a fallback node may coincide with an up primary's node or with another fallback's node when
 * the ring repeats nodes within the walk; see docs/placement.md for when nodes are distinct.
 */
import { PartitionIndex, keyIndex, successorIndices, successorsOf, wrapIndex } from './chash';
import { NodeName } from './ring';

export interface PreflistEntry {
  readonly index: PartitionIndex;
  readonly node: NodeName;
}

/**
 * A preference-list entry with its role: 'primary' when the node owns the partition, 'fallback'
 * when it stands in for a down primary of that partition (it holds hinted data to hand back).
 */
export interface AnnotatedEntry extends PreflistEntry {
  readonly type: 'primary' | 'fallback';
}

/** The first n partitions clockwise from the key's partition, with their owners (riak_core_apl:get_primary_apl ignoring liveness). */
export function primaryPreflist(owners: readonly NodeName[], key: bigint, n: number): PreflistEntry[] {
  return successorIndices(key, owners.length, n).map((index) => ({ index, node: owners[index] }));
}

/** The primary preference list of a (bucket, key) pair, by its owners (no liveness). */
export function keyPreflist(owners: readonly NodeName[], bucket: string, key: string, n: number): PreflistEntry[] {
  const q = owners.length;
  const first = keyIndex(bucket, key, q);
  const count = Math.min(n, q);
  const out: PreflistEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const index = wrapIndex(first + i, q);
    out[i] = { index, node: owners[index] };
  }
  return out;
}

function checkFirst(owners: readonly NodeName[], first: PartitionIndex): void {
  if (!Number.isInteger(first) || first < 0 || first >= owners.length) {
    throw new RangeError(`partition index must be an integer in [0, ${owners.length}), got ${first}`);
  }
}

/** How many primaries a preference list of n has on a ring of Q partitions. */
function primaryCount(q: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  return Math.min(n, q);
}

/**
 * The up primaries of the key whose first partition is `first` (riak_core_apl:get_primary_apl):
 * of the first n partitions clockwise, those whose owner is in `up`, in preference-list order.
 */
export function getPrimaryApl(owners: readonly NodeName[], first: PartitionIndex, n: number, up: ReadonlySet<NodeName>): AnnotatedEntry[] {
  checkFirst(owners, first);
  const out: AnnotatedEntry[] = [];
  for (const index of successorsOf(first, owners.length, primaryCount(owners.length, n))) {
    if (up.has(owners[index])) out.push({ index, node: owners[index], type: 'primary' });
  }
  return out;
}

/**
 * The annotated active preference list (riak_core_apl:get_apl_ann): the up primaries in order,
 * then one fallback per down primary, in the order of the down primaries, as long as the rest of
 * the ring still has unconsumed up entries. Invariants: never a down node; length <= min(n, Q);
 * with every owner up it equals the n primaries.
 */
export function getAplAnn(owners: readonly NodeName[], first: PartitionIndex, n: number, up: ReadonlySet<NodeName>): AnnotatedEntry[] {
  checkFirst(owners, first);
  const q = owners.length;
  const count = primaryCount(q, n);
  const primaries: AnnotatedEntry[] = [];
  const down: PartitionIndex[] = [];
  for (const index of successorsOf(first, q, count)) {
    if (up.has(owners[index])) primaries.push({ index, node: owners[index], type: 'primary' });
    else down.push(index);
  }
  const fallbacks: AnnotatedEntry[] = [];
  // Walk the partitions after the primaries once; every up entry serves the next down primary.
  for (let step = count; step < q && fallbacks.length < down.length; step++) {
    const node = owners[(first + step) % q];
    if (up.has(node)) fallbacks.push({ index: down[fallbacks.length], node, type: 'fallback' });
  }
  return [...primaries, ...fallbacks];
}

/** {@link getAplAnn} without annotations (riak_core_apl:get_apl). */
export function getApl(owners: readonly NodeName[], first: PartitionIndex, n: number, up: ReadonlySet<NodeName>): PreflistEntry[] {
  return getAplAnn(owners, first, n, up).map(({ index, node }) => ({ index, node }));
}

/** The annotated active preference list of a (bucket, key) pair ({@link getAplAnn} from its {@link keyIndex}). */
export function keyAplAnn(
  owners: readonly NodeName[],
  bucket: string | Uint8Array,
  key: string | Uint8Array,
  n: number,
  up: ReadonlySet<NodeName>,
): AnnotatedEntry[] {
  return getAplAnn(owners, keyIndex(bucket, key, owners.length), n, up);
}

/** The up primaries of a (bucket, key) pair ({@link getPrimaryApl} from its {@link keyIndex}). */
export function keyPrimaryApl(
  owners: readonly NodeName[],
  bucket: string | Uint8Array,
  key: string | Uint8Array,
  n: number,
  up: ReadonlySet<NodeName>,
): AnnotatedEntry[] {
  return getPrimaryApl(owners, keyIndex(bucket, key, owners.length), n, up);
}
