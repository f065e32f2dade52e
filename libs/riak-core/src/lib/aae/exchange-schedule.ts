/**
 * Which anti-entropy exchanges a node runs, and which to start next (riak_kv's entropy manager,
 * without the process). A key whose first partition is r is stored on the n partitions r .. r+n-1
 * (docs/placement.md), so the vnode of partition p holds the keys of the n ranges r = p-n+1 .. p,
 * one tree each, and exchanges each of them with every other vnode of that range.
 *
 * Pure: the runtime passes the ring's owners, who is up, what is in handoff, what is running and
 * when each exchange last ran (its own clock), and starts what this returns.
 */
import { PartitionIndex, successorsOf, wrapIndex } from '../chash';
import { NodeName, ownedIndices } from '../ring';

/** Vnode `index` compares its tree of `range` with the same range's tree at vnode `peer`. */
export interface PlannedExchange {
  readonly index: PartitionIndex;
  readonly peer: PartitionIndex;
  /** the first partition of the preference-list range: the keys whose first partition it is */
  readonly range: PartitionIndex;
}

/** A stable name for an exchange, for the runtime's last-run table and logs. */
export function exchangeId(e: PlannedExchange): string {
  return `${e.index}/${e.range}/${e.peer}`;
}

function replicas(q: number, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  return Math.min(n, q);
}

/** The ranges whose keys vnode `index` holds: index, index-1, .., index-n+1 (mod q); one tree each. */
export function coveredRanges(q: number, n: number, index: PartitionIndex): PartitionIndex[] {
  if (!Number.isInteger(index) || index < 0 || index >= q) throw new RangeError(`partition index must be an integer in [0, ${q}), got ${index}`);
  return Array.from({ length: replicas(q, n) }, (_, back) => wrapIndex(index - back + q, q));
}

/** Every exchange of vnode `index`: for each range it covers, one with each other vnode of the range. */
export function vnodeExchanges(q: number, n: number, index: PartitionIndex): PlannedExchange[] {
  return coveredRanges(q, n, index).flatMap((range) =>
    successorsOf(range, q, replicas(q, n))
      .filter((peer) => peer !== index)
      .map((peer) => ({ index, peer, range })),
  );
}

/** Every exchange the vnodes that `node` owns run. */
export function nodeExchanges(owners: readonly NodeName[], n: number, node: NodeName): PlannedExchange[] {
  return ownedIndices(owners, node).flatMap((index) => vnodeExchanges(owners.length, n, index));
}

export interface ScheduleInput {
  /** the ring's owner of each partition */
  readonly owners: readonly NodeName[];
  readonly n: number;
  /** the node scheduling: it runs the exchanges of the vnodes it owns */
  readonly node: NodeName;
  /** nodes up for the service: an exchange needs its peer's owner up */
  readonly up: ReadonlySet<NodeName>;
  /** partitions with a handoff running or waiting (or whose trees are still being built): never exchanged */
  readonly inHandoff: ReadonlySet<PartitionIndex>;
  /** exchanges running now (this node's); a vnode takes part in one exchange at a time */
  readonly running: readonly PlannedExchange[];
  /** when each exchange (by {@link exchangeId}) last ran, in the runtime's clock */
  readonly lastRun: ReadonlyMap<string, number>;
  readonly now: number;
  /** an exchange runs again only this long after its last run */
  readonly minInterval: number;
  /** most exchanges running at once on this node */
  readonly concurrency: number;
}

/**
 * The exchanges to start now: those that are due, whose two vnodes are out of handoff and not
 * busy, and whose peer's owner is up; never-run first, then the longest waiting, until
 * `concurrency` are running. Every due exchange left out conflicts with a running or chosen one,
 * or the node is at its concurrency.
 */
export function exchangesToStart(input: ScheduleInput): PlannedExchange[] {
  const { owners, n, node, up, inHandoff, running, lastRun, now, minInterval, concurrency } = input;
  const slots = concurrency - running.length;
  if (slots <= 0) return [];
  const busy = new Set<PartitionIndex>(running.flatMap((e) => [e.index, e.peer]));
  const due = nodeExchanges(owners, n, node)
    .filter((e) => !inHandoff.has(e.index) && !inHandoff.has(e.peer) && up.has(owners[e.peer]))
    .map((e) => ({ e, last: lastRun.get(exchangeId(e)) ?? -Infinity }))
    .filter(({ last }) => now - last >= minInterval)
    .sort((a, b) => a.last - b.last || a.e.index - b.e.index || a.e.range - b.e.range || a.e.peer - b.e.peer);
  const chosen: PlannedExchange[] = [];
  for (const { e } of due) {
    if (chosen.length === slots) break;
    if (busy.has(e.index) || busy.has(e.peer)) continue;
    busy.add(e.index).add(e.peer);
    chosen.push(e);
  }
  return chosen;
}
