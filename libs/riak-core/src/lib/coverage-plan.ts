/**
 * Coverage plans (riak_core_coverage_plan): which vnodes a coverage query (list keys, 2i, fold)
 * asks, and which partitions' keys each one reports, so that every key of the ring is reported
 * exactly once. See docs/placement.md.
 *
 * Replication: a key whose responsible partition is p is stored on vnodes p, p+1, ..., p+n-1
 * (mod Q). So vnode v holds the keys of partitions v-n+1 .. v; we call that its window. (riak
 * numbers key spaces by segment, segment s being partition s+1; here everything is a partition
 * index.) A vnode is usable when its owner is up.
 *
 * Guarantees of {@link coveragePlan}:
 * - every partition is assigned to exactly one chosen vnode, whose window contains it and whose
 *   owner is up; chosen vnodes are distinct;
 * - the number of vnodes is the minimum over all valid plans (so ceil(Q/n) when every node is up);
 *   riak's planner is a heuristic, this one is exact: the problem is covering a circle with
 *   equal-length arcs, solved by a furthest-reaching greedy from at most n candidate starts, O(Q·n) in all;
 * - when some partition has no usable vnode in its n holders the result is 'insufficient', naming
 *   exactly those partitions, with a minimal partial plan for the rest (riak's `allup` selector);
 * - pure and deterministic: `offset` (riak's ReqId) only chooses among minimal plans, so callers
 *   that vary it (e.g. a request counter) spread coverage load over all vnodes.
 */
import { PartitionIndex, partitionIndices, wrapIndex } from './chash';
import { NodeName } from './ring';

/** One vnode of a coverage plan, and the partitions whose keys it reports (ascending). */
export interface CoverageVnode {
  readonly index: PartitionIndex;
  readonly node: NodeName;
  /** Partitions assigned to this vnode; each lies in its window. Fewer than n means the vnode must filter its keys. */
  readonly keySpaces: readonly PartitionIndex[];
}

/** A full plan: vnodes ordered by index. */
export interface CoveragePlan {
  readonly kind: 'plan';
  readonly vnodes: readonly CoverageVnode[];
}

/** Some partitions have no up replica (riak's insufficient_vnodes_available). */
export interface InsufficientCoverage {
  readonly kind: 'insufficient';
  /** Partitions none of whose n holders is up, ascending. */
  readonly missing: readonly PartitionIndex[];
  /** A minimal plan covering every other partition exactly once (what riak's `allup` selector uses). */
  readonly partial: readonly CoverageVnode[];
}

export type CoverageResult = CoveragePlan | InsufficientCoverage;

/** Does vnode `vnode` hold the keys of partition `partition` with replication n on a ring of q? */
export function vnodeHolds(vnode: PartitionIndex, partition: PartitionIndex, n: number, q: number): boolean {
  return (((vnode - partition) % q) + q) % q < Math.min(n, q);
}

/** A chosen vnode and the run of partitions it is assigned, clockwise from `from`. */
interface Assignment {
  readonly vnode: PartitionIndex;
  readonly from: PartitionIndex;
  readonly length: number;
}

/**
 * A coverage plan for replication n over the ring's owners, using only vnodes whose owner is in
 * `up`. `offset` (any integer, default 0) picks among the minimal plans: with every node up,
 * offset o yields the vnodes o+n-1, o+2n-1, ... (mod Q).
 */
export function coveragePlan(owners: readonly NodeName[], n: number, up: ReadonlySet<NodeName>, offset = 0): CoverageResult {
  const q = owners.length;
  if (q === 0) throw new RangeError('the ring has no partitions');
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(offset)) throw new RangeError(`offset must be an integer, got ${offset}`);
  const m = Math.min(n, q);
  const usable = owners.map((o) => up.has(o));

  // reach[c]: the largest d < m such that vnode c+d is usable, i.e. the usable vnode holding
  // partition c that holds the most partitions after c; -1 when partition c cannot be covered.
  const reach = new Int32Array(q).fill(-1);
  for (let c = 0; c < q; c++) {
    for (let d = m - 1; d >= 0; d--) {
      if (usable[(c + d) % q]) {
        reach[c] = d;
        break;
      }
    }
  }

  const missing: PartitionIndex[] = [];
  for (const c of partitionIndices(q)) if (reach[c] < 0) missing.push(c);

  const toVnodes = (assignments: readonly Assignment[]): CoverageVnode[] =>
    assignments
      .map(({ vnode, from, length }) => ({
        index: vnode,
        node: owners[vnode],
        keySpaces: Array.from({ length }, (_, i) => wrapIndex(from + i, q)).sort((a, b) => a - b),
      }))
      .sort((a, b) => a.index - b.index);

  if (missing.length > 0) return { kind: 'insufficient', missing, partial: toVnodes(partialCover(reach, missing, q)) };

  // Every partition is coverable. Any plan contains a vnode v holding partition o = offset mod Q,
  // i.e. v in o .. o+m-1. Starting the greedy at the first partition of v's window makes it pick v
  // first and then cover the rest of the circle, a line, optimally (furthest reach is optimal on a
  // line), so the best of these m starts is a minimal plan. Starting there also keeps the last pick
  // from wrapping onto v again: picks are distinct. Candidates are tried from v = o+m-1 down; the
  // first best wins, so with every node up offset o gives o+m-1, o+2m-1, ...
  const lowerBound = Math.ceil(q / m);
  const o = ((offset % q) + q) % q;
  let best = Number.POSITIVE_INFINITY;
  let bestStart = -1;
  for (let d = m - 1; d >= 0 && best > lowerBound; d--) {
    if (!usable[(o + d) % q]) continue;
    const s = (o + d - m + 1 + q) % q;
    const count = greedyCount(reach, s, q, best);
    if (count < best) {
      best = count;
      bestStart = s;
    }
  }
  return { kind: 'plan', vnodes: toVnodes(greedy(reach, bestStart, q)) };
}

/** Picks of the greedy from `s` round the whole ring, stopping early once `limit` is reached. */
function greedyCount(reach: Int32Array, s: number, q: number, limit: number): number {
  let count = 0;
  for (let covered = 0; covered < q && count < limit; count++) covered += reach[(s + covered) % q] + 1;
  return count;
}

/** The greedy from `s`: each pick is the usable vnode holding the first uncovered partition that reaches furthest. */
function greedy(reach: Int32Array, s: number, q: number): Assignment[] {
  const out: Assignment[] = [];
  for (let covered = 0; covered < q; ) {
    const from = wrapIndex(s + covered, q);
    const d = reach[from];
    out.push({ vnode: wrapIndex(from + d, q), from, length: Math.min(d + 1, q - covered) });
    covered += d + 1;
  }
  return out;
}

/**
 * Minimal cover of the coverable partitions when some are missing: they form runs between missing
 * partitions, and the greedy is optimal on each run. A pick never leaves its run (a vnode past the
 * run's end would hold the next, missing, partition), so picks are distinct.
 */
function partialCover(reach: Int32Array, missing: readonly PartitionIndex[], q: number): Assignment[] {
  const out: Assignment[] = [];
  for (const gap of missing) {
    let from = wrapIndex(gap + 1, q);
    while (reach[from] >= 0) {
      const d = reach[from];
      out.push({ vnode: wrapIndex(from + d, q), from, length: d + 1 });
      from = wrapIndex(from + d + 1, q);
    }
  }
  return out;
}
