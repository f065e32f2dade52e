/**
 * Claim: decide which node owns each partition of the ring (riak_core's claim; rationale and
 * sources in libs/riak-core/docs/claim.md).
 *
 * Guarantees, for Q partitions, n distinct nodes and spread window w = min(targetN, n, Q):
 * - balance: every node owns floor(Q/n) or ceil(Q/n) partitions; nodes that currently own more get
 *   the ceil targets (ties by name); nobody outside `nodes` owns anything;
 * - spread: at most {@link spreadBound} violations, i.e. none when n >= targetN and
 *   ceil(Q/n) * targetN <= Q (always the case when targetN divides Q, e.g. the default 4), and
 *   exactly the unavoidable Q mod n when n < targetN;
 * - stability: a ring that is already balanced and within the bound is returned unchanged; otherwise
 *   the result moves as few partitions as the search below finds (see the doc for tested bounds);
 * - determinism: the result depends on the set of nodes only, never on their order; no randomness.
 *
 * Strategy (riak_core claim_v4 style: "update" with few transfers, else "solve"):
 * 1. incremental: keep every partition whose owner stays and is not over target; give departing
 *    partitions and the surplus of over-target nodes to under-target nodes, each receiver choosing
 *    positions far enough from its own; then repair residual violations by count-preserving swaps;
 * 2. constructive: a layout that provably meets the bound, relabelled and rotated to overlap the
 *    current owners as much as possible;
 * then keep whichever meets the bound with fewer moves, after undoing moves that are not needed;
 * 3. when n is between targetN and 2*targetN (where layouts are rigid and single swaps cannot find
 *    the cheap rearrangements) re-optimise short segments exactly, keeping their owner multiset.
 */

export const DEFAULT_TARGET_N_VAL = 4;

/** `N`: the node names' type (NodeName on a ring; plain strings in the claim's own tests and tools). */
export interface ClaimInput<N extends string = string> {
  /** Q partitions, a power of two 8..1024 */
  ringSize: number;
  /** current owner of each partition index 0..Q-1 (length Q). May name nodes that are absent from `nodes` (they are departing: all their partitions must move). */
  owners: readonly N[];
  /** the nodes that must own partitions after the claim (treat as a set; the result must not depend on their order) */
  nodes: readonly N[];
  /** target_n_val, default 4 */
  targetN?: number;
}

const MIN_RING = 8;
const MAX_RING = 1024;
/** Owner index of a partition whose owner is departing (or not yet chosen). */
const NONE = -1;
/** Upper limit on repair passes; each pass either removes a violation or ends the repair. */
const MAX_REPAIR_PASSES = 64;
/** Length of the ring segments re-optimised exactly (reoptimiseSegments). */
const SEGMENT = 12;
/** Search nodes allowed per segment, and for all segments of one claim together. */
const SEGMENT_BUDGET = 20_000;
const SEGMENTS_BUDGET = 100_000;
/** Upper limit on rotations of the receiver's position grid tried when no receiver position exists yet. */
const MAX_PHASES = 64;
/** Rotations of the constructive layout whose slot-to-node assignment is computed (best upper bounds first). */
const ROTATIONS_ASSIGNED = 4;

/**
 * Number of partition indices i such that owners[i] appears again among the next (w-1) partitions
 * clockwise (cyclic), where w = min(targetN, number of distinct nodes in owners). 0 means every
 * window of w consecutive partitions has distinct owners.
 */
export function spreadViolations(owners: readonly string[], targetN: number = DEFAULT_TARGET_N_VAL): number {
  checkTargetN(targetN);
  const index = new Map<string, number>();
  const ring = Int32Array.from(owners, (o) => {
    const known = index.get(o);
    if (known !== undefined) return known;
    index.set(o, index.size);
    return index.size - 1;
  });
  return violationsOf(ring, Math.min(targetN, index.size));
}

/**
 * How many partitions each node should own, keyed by node name (in name order): floor(Q/n) or
 * ceil(Q/n); the Q mod n ceil targets go to the nodes that currently own the most, ties by name, so
 * that a balanced ring keeps its counts and a rebalance moves as little as possible.
 */
export function ownershipTargets(ringSize: number, owners: readonly string[], nodes: readonly string[]): Map<string, number> {
  checkRing(ringSize, owners);
  const names = nodeNames(nodes);
  const targets = targetsFor(ringSize, ownerIndices(owners, names), names.length);
  return new Map(names.map((name, i) => [name, targets[i]]));
}

/**
 * The number of spread violations {@link claim} guarantees not to exceed for a ring of `ringSize`
 * partitions over `nodeCount` nodes: the violations of {@link spreadLayout}. It is 0 when
 * nodeCount >= targetN and ceil(Q/nodeCount) * targetN <= Q, and Q mod nodeCount (the minimum
 * possible, since each ceil-target node then has a gap shorter than the window) when
 * nodeCount < targetN.
 */
export function spreadBound(ringSize: number, nodeCount: number, targetN: number = DEFAULT_TARGET_N_VAL): number {
  return violationsOf(Int32Array.from(spreadLayout(ringSize, nodeCount, targetN)), spreadWindow(ringSize, nodeCount, targetN));
}

/**
 * The constructive layout: a balanced assignment of Q partitions to slots 0..k-1 (k = min(n, Q);
 * slots below Q mod n, or all slots when n > Q, hold the ceil count) with at most the spread bound.
 *
 * - n >= targetN: write the slots' occurrences slot by slot down the columns of a grid with
 *   M = ceil(Q/n) rows, then read the grid row by row. A slot never occupies a row twice, so two of
 *   its consecutive occurrences are a whole row apart, which is at least floor(Q/M) partitions;
 *   zero violations whenever targetN <= floor(Q/M), i.e. ceil(Q/n) * targetN <= Q. If that fails
 *   (only possible when targetN does not divide Q), the better of this and the sequential layout.
 * - n < targetN: the window is n wide, so a violation-free ring would be periodic with period n;
 *   the sequential layout (slot i mod n at partition i) is, except for the Q mod n seam violations.
 */
export function spreadLayout(ringSize: number, nodeCount: number, targetN: number = DEFAULT_TARGET_N_VAL): number[] {
  checkRingSize(ringSize);
  checkTargetN(targetN);
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new RangeError(`node count must be a positive integer, got ${nodeCount}`);
  const w = spreadWindow(ringSize, nodeCount, targetN);
  const sequential = sequentialLayout(ringSize, nodeCount);
  if (nodeCount < targetN) return Array.from(sequential);
  const grid = gridLayout(ringSize, slotCounts(ringSize, nodeCount));
  return Array.from(violationsOf(sequential, w) < violationsOf(grid, w) ? sequential : grid);
}

/** Returns the new owners array (length Q). Pure and deterministic. */
export function claim<N extends string>(input: ClaimInput<N>): N[] {
  const { ringSize: q, owners, targetN = DEFAULT_TARGET_N_VAL } = input;
  checkRing(q, owners);
  checkTargetN(targetN);
  const names = nodeNames(input.nodes);
  if (names.length === 0) throw new RangeError('claim needs at least one node');
  const n = names.length;
  const orig = ownerIndices(owners, names);
  const p: Problem = {
    q,
    n,
    w: spreadWindow(q, n, targetN),
    orig,
    targets: targetsFor(q, orig, n),
    bound: spreadBound(q, n, targetN),
  };
  if (isBalanced(p, orig) && violationsOf(orig, p.w) <= p.bound) return owners.slice();

  let best = incremental(p);
  if (best === undefined || movesOf(p, best) > mandatoryMoves(p)) {
    const constructed = constructive(p, targetN);
    if (best === undefined || movesOf(p, constructed) < movesOf(p, best)) best = constructed;
  }
  reoptimiseSegments(p, best);
  return Array.from(best, (i) => names[i]);
}

// ---------------------------------------------------------------------------------------------
// Problem facts and small measures

interface Problem {
  readonly q: number;
  readonly n: number;
  /** spread window: min(targetN, nodes that will own something, Q) */
  readonly w: number;
  /** current owner of each partition as an index into the sorted node names, NONE if departing */
  readonly orig: Int32Array;
  readonly targets: Int32Array;
  /** violations the result may have (see spreadBound) */
  readonly bound: number;
}

function checkRingSize(q: number): void {
  if (!Number.isInteger(q) || q < MIN_RING || q > MAX_RING || (q & (q - 1)) !== 0) {
    throw new RangeError(`ring size must be a power of two between ${MIN_RING} and ${MAX_RING}, got ${q}`);
  }
}

function checkRing(q: number, owners: readonly string[]): void {
  checkRingSize(q);
  if (owners.length !== q) throw new RangeError(`owners must list ${q} partitions, got ${owners.length}`);
}

function checkTargetN(targetN: number): void {
  if (!Number.isInteger(targetN) || targetN < 1) throw new RangeError(`targetN must be a positive integer, got ${targetN}`);
}

/** The node set in name order: node indices everywhere below refer to this order. */
function nodeNames<N extends string>(nodes: readonly N[]): N[] {
  return [...new Set(nodes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function ownerIndices(owners: readonly string[], names: readonly string[]): Int32Array {
  const index = new Map(names.map((name, i) => [name, i]));
  return Int32Array.from(owners, (o) => index.get(o) ?? NONE);
}

function spreadWindow(q: number, n: number, targetN: number): number {
  return Math.min(targetN, n, q);
}

function countsOf(n: number, ring: Int32Array): Int32Array {
  const counts = new Int32Array(n);
  for (const o of ring) if (o !== NONE) counts[o]++;
  return counts;
}

function targetsFor(q: number, orig: Int32Array, n: number): Int32Array {
  const counts = countsOf(n, orig);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const floor = Math.floor(q / n);
  const ceilCount = q - floor * n;
  const targets = new Int32Array(n);
  order.forEach((node, rank) => (targets[node] = rank < ceilCount ? floor + 1 : floor));
  return targets;
}

/** Occurrences per layout slot, ceil slots first. */
function slotCounts(q: number, n: number): number[] {
  const slots = Math.min(n, q);
  const floor = Math.floor(q / n);
  const ceilCount = q - floor * n;
  return Array.from({ length: slots }, (_, s) => (s < ceilCount ? floor + 1 : floor));
}

function isBalanced(p: Problem, ring: Int32Array): boolean {
  const counts = countsOf(p.n, ring);
  return ring.every((o) => o !== NONE) && counts.every((c, i) => c === p.targets[i]);
}

function movesOf(p: Problem, ring: Int32Array): number {
  let moves = 0;
  for (let i = 0; i < p.q; i++) if (ring[i] !== p.orig[i]) moves++;
  return moves;
}

/** Partitions that must move in any balanced result: the departing ones and every surplus. */
function mandatoryMoves(p: Problem): number {
  const counts = countsOf(p.n, p.orig);
  let moves = 0;
  for (const o of p.orig) if (o === NONE) moves++;
  counts.forEach((c, i) => (moves += Math.max(0, c - p.targets[i])));
  return moves;
}

function violationsOf(ring: Int32Array, w: number): number {
  let v = 0;
  for (let i = 0; i < ring.length; i++) v += violationAt(ring, w, i);
  return v;
}

/** 1 when the owner of partition i owns another of the next w-1 partitions. */
function violationAt(ring: Int32Array, w: number, i: number): number {
  const q = ring.length;
  const a = ring[i];
  if (a === NONE) return 0;
  for (let d = 1; d < w; d++) if (ring[(i + d) % q] === a) return 1;
  return 0;
}

/**
 * How many of the w-1 partitions on either side of `at` (excluding `ignore`) are owned by `node`.
 * The ring length is a power of two (checked by claim), so indices wrap by masking.
 */
function clashes(ring: Int32Array, w: number, at: number, node: number, ignore = NONE): number {
  const mask = ring.length - 1;
  let c = 0;
  for (let d = 1; d < w; d++) {
    const before = (at - d) & mask;
    const after = (at + d) & mask;
    if (before !== ignore && ring[before] === node) c++;
    if (after !== ignore && after !== before && ring[after] === node) c++;
  }
  return c;
}

/** Distance from `at` to the nearest other partition owned by `node` (Q when there is none). */
function nearest(ring: Int32Array, at: number, node: number): number {
  const q = ring.length;
  for (let d = 1; d <= q >> 1; d++) {
    if (ring[(at + d) % q] === node || ring[(at - d + q) % q] === node) return d;
  }
  return q;
}

function swap(ring: Int32Array, a: number, b: number): void {
  const t = ring[a];
  ring[a] = ring[b];
  ring[b] = t;
}

function moveDelta(p: Problem, ring: Int32Array, a: number, b: number): number {
  const { orig } = p;
  const before = Number(ring[a] !== orig[a]) + Number(ring[b] !== orig[b]);
  const after = Number(ring[b] !== orig[a]) + Number(ring[a] !== orig[b]);
  return after - before;
}

// ---------------------------------------------------------------------------------------------
// Incremental claim (the "update" path)

/** The incremental result, or undefined when it cannot be brought within the spread bound. */
function incremental(p: Problem): Int32Array | undefined {
  const ring = p.orig.slice();
  const need = new Int32Array(p.n);
  const counts = countsOf(p.n, ring);
  for (let i = 0; i < p.n; i++) need[i] = p.targets[i] - counts[i];
  fillDeparted(p, ring, need);
  for (const receiver of receiversByNeed(need)) placeSurplus(p, ring, need, receiver);
  repair(p, ring);
  undoNeedlessMoves(p, ring);
  return violationsOf(ring, p.w) <= p.bound ? ring : undefined;
}

/** Nodes still under target, most in need first (ties by name). */
function receiversByNeed(need: Int32Array): number[] {
  return Array.from(need.keys())
    .filter((i) => need[i] > 0)
    .sort((a, b) => need[b] - need[a] || a - b);
}

/**
 * Give every departing partition to an under-target node. When the departing partitions are at
 * least a window apart (the usual case: one spread node leaves) the choices are independent, and a
 * maximum b-matching (departing partition -> receiver without a clash there, receiver capacity =
 * its need) finds a clash-free fill whenever one exists. Otherwise, and for whatever the matching
 * leaves, partitions are filled in ring order with the receiver that clashes least there (ties: the
 * neediest, then the first by name); `repair` deals with any clash left.
 */
function fillDeparted(p: Problem, ring: Int32Array, need: Int32Array): void {
  const { q, w } = p;
  const departed: number[] = [];
  for (let i = 0; i < q; i++) if (ring[i] === NONE) departed.push(i);
  if (departed.length === 0) return;
  const independent = departed.every((at, k) => {
    const next = departed[(k + 1) % departed.length];
    return departed.length === 1 || (next - at + q) % q >= w;
  });
  if (independent) {
    const receivers = receiversByNeed(need);
    const edges = departed.map((at) => receivers.filter((r) => clashes(ring, w, at, r) === 0));
    const match = bMatch(edges, need, p.n);
    departed.forEach((at, k) => {
      const r = match[k];
      if (r !== NONE) {
        ring[at] = r;
        need[r]--;
      }
    });
  }
  for (const at of departed) {
    if (ring[at] !== NONE) continue;
    let best = NONE;
    let bestClash = Infinity;
    for (let r = 0; r < p.n; r++) {
      if (need[r] <= 0) continue;
      const c = clashes(ring, w, at, r);
      if (c < bestClash || (c === bestClash && need[r] > need[best])) {
        best = r;
        bestClash = c;
      }
    }
    ring[at] = best;
    need[best]--;
  }
}

/**
 * Give `receiver` its remaining need out of the surplus of over-target nodes. Chosen positions must
 * stay a window apart from each other and from the receiver's current partitions; to get that while
 * respecting how much each donor may give, the free stretches between the receiver's partitions
 * (or, if it has none, the whole ring at some rotation) are cut into one candidate interval per
 * needed partition such that any one position per interval is far enough from all the others, and
 * intervals are matched to donors by a maximum b-matching (donor capacity = its surplus). This is
 * riak_core claim_v2's "take from the nodes with the most to give, keeping spacing", made exact for
 * the quotas. Whatever is still needed is taken greedily (least clash, then farthest from the
 * receiver's own partitions).
 */
function placeSurplus(p: Problem, ring: Int32Array, need: Int32Array, receiver: number): void {
  const surplus = new Int32Array(p.n);
  const counts = countsOf(p.n, ring);
  for (let i = 0; i < p.n; i++) surplus[i] = Math.max(0, counts[i] - p.targets[i]);
  const wanted = need[receiver];
  if (wanted <= 0) return;

  const own: number[] = [];
  for (let i = 0; i < p.q; i++) if (ring[i] === receiver) own.push(i);
  const attempts = own.length === 0 ? Math.min(MAX_PHASES, p.q) : 1;
  let bestPicks: number[] = [];
  for (let phase = 0; phase < attempts && bestPicks.length < wanted; phase++) {
    const intervals = own.length === 0 ? ringIntervals(p, phase, wanted) : gapIntervals(p, own, wanted);
    const picks = matchIntervals(p, ring, surplus, intervals);
    if (picks.length > bestPicks.length) bestPicks = picks;
  }
  for (const at of bestPicks) take(ring, need, surplus, at, receiver);
  while (need[receiver] > 0) {
    const at = greedyPick(p, ring, surplus, receiver);
    if (at === NONE) return;
    take(ring, need, surplus, at, receiver);
  }
}

function take(ring: Int32Array, need: Int32Array, surplus: Int32Array, at: number, receiver: number): void {
  surplus[ring[at]]--;
  ring[at] = receiver;
  need[receiver]--;
}

/** Candidate intervals as [first, length] on the ring: one per pick, any picks a window apart. */
type Interval = readonly [number, number];

/**
 * `count` intervals for a receiver owning nothing yet: pick k sits at phase + k*w + s_k with the
 * offsets s_k non-decreasing in [0, Q - count*w]; splitting that range into consecutive pieces
 * keeps every pair of picks (including the last and, around the ring, the first) w apart.
 */
function ringIntervals(p: Problem, phase: number, count: number): Interval[] {
  const slack = p.q - count * p.w;
  if (slack < 0) return [];
  const intervals: Interval[] = [];
  for (let k = 0; k < count; k++) {
    const lo = Math.floor((k * slack) / count);
    const hi = Math.floor(((k + 1) * slack) / count);
    intervals.push([(phase + k * p.w + lo) % p.q, hi - lo + 1]);
  }
  return intervals;
}

/**
 * Intervals in the gaps between the receiver's current partitions: a gap of length G (distance
 * between two consecutive own partitions) holds at most floor(G/w) - 1 new picks; picks are spread
 * over the gaps in proportion to their length, and inside a gap laid out as in `ringIntervals`.
 */
function gapIntervals(p: Problem, own: readonly number[], count: number): Interval[] {
  const { q, w } = p;
  const gaps = own.map((at, k) => {
    const next = own[(k + 1) % own.length];
    return { start: at, length: own.length === 1 ? q : (next - at + q) % q };
  });
  const capacity = gaps.map((g) => Math.max(0, Math.floor(g.length / w) - 1));
  const total = capacity.reduce((a, b) => a + b, 0);
  const share = apportion(capacity, Math.min(count, total));
  const intervals: Interval[] = [];
  gaps.forEach((gap, j) => {
    const k = share[j];
    const slack = gap.length - (k + 1) * w;
    for (let i = 1; i <= k; i++) {
      const lo = Math.floor(((i - 1) * slack) / k);
      const hi = Math.floor((i * slack) / k);
      intervals.push([(gap.start + i * w + lo) % q, hi - lo + 1]);
    }
  });
  return intervals;
}

/** Split `count` over items in proportion to their capacity, never above it (largest remainder). */
function apportion(capacity: readonly number[], count: number): number[] {
  const total = capacity.reduce((a, b) => a + b, 0);
  if (total === 0) return capacity.map(() => 0);
  const share = capacity.map((c) => Math.floor((c * count) / total));
  let left = count - share.reduce((a, b) => a + b, 0);
  const order = capacity.map((_, j) => j).sort((a, b) => ((capacity[b] * count) % total) - ((capacity[a] * count) % total) || a - b);
  for (const j of order) {
    if (left === 0) break;
    if (share[j] < capacity[j]) {
      share[j]++;
      left--;
    }
  }
  return share;
}

/**
 * One position per interval, owned by a donor with surplus left, as many intervals as a maximum
 * b-matching covers. Within an interval the matched donor gives a partition that is in a spread
 * violation if it has one (shedding it helps), else its first.
 */
function matchIntervals(p: Problem, ring: Int32Array, surplus: Int32Array, intervals: readonly Interval[]): number[] {
  const edges = intervals.map(([first, length]) => {
    const donors: number[] = [];
    for (let d = 0; d < length; d++) {
      const o = ring[(first + d) % p.q];
      if (o !== NONE && surplus[o] > 0 && !donors.includes(o)) donors.push(o);
    }
    return donors;
  });
  const match = bMatch(edges, surplus, p.n);
  const picks: number[] = [];
  intervals.forEach(([first, length], k) => {
    const donor = match[k];
    if (donor === NONE) return;
    let pick = NONE;
    for (let d = 0; d < length; d++) {
      const at = (first + d) % p.q;
      if (ring[at] !== donor) continue;
      if (pick === NONE) pick = at;
      if (clashes(ring, p.w, at, donor) > 0) {
        pick = at;
        break;
      }
    }
    picks.push(pick);
  });
  return picks;
}

/** The donor partition the receiver clashes with least, then farthest from its own, then lowest. */
function greedyPick(p: Problem, ring: Int32Array, surplus: Int32Array, receiver: number): number {
  let best = NONE;
  let bestClash = Infinity;
  let bestDistance = -1;
  for (let at = 0; at < p.q; at++) {
    const o = ring[at];
    if (o === NONE || o === receiver || surplus[o] <= 0) continue;
    const c = clashes(ring, p.w, at, receiver);
    if (c > bestClash) continue;
    const distance = nearest(ring, at, receiver);
    if (c < bestClash || distance > bestDistance) {
      best = at;
      bestClash = c;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Maximum b-matching by augmenting paths (Kuhn): left item k may take any right item listed in
 * edges[k] (in preference order); right item r takes at most capacity[r] left items. Returns the
 * right item of each left item, or NONE.
 */
function bMatch(edges: readonly (readonly number[])[], capacity: Int32Array, rightCount: number): Int32Array {
  const match = new Int32Array(edges.length).fill(NONE);
  const holders: number[][] = Array.from({ length: rightCount }, () => []);
  const seen = new Int32Array(rightCount);
  let round = 0;
  const augment = (k: number): boolean => {
    for (const r of edges[k]) {
      if (holders[r].length < capacity[r] && seen[r] !== round) {
        seen[r] = round;
        holders[r].push(k);
        match[k] = r;
        return true;
      }
    }
    for (const r of edges[k]) {
      if (seen[r] === round) continue;
      seen[r] = round;
      const held = holders[r];
      for (let h = 0; h < held.length; h++) {
        const other = held[h];
        if (augment(other)) {
          held[h] = k;
          match[k] = r;
          return true;
        }
      }
    }
    return false;
  };
  for (let k = 0; k < edges.length; k++) {
    round++;
    augment(k);
  }
  return match;
}

/**
 * Count-preserving local repair: while above the bound, each partition whose owner clashes
 * exchanges owners with the partition that removes the most clashing pairs (two partitions of one
 * node less than w apart; none left means no violation), then moves the fewest, then has the
 * lowest index. Partitions that have already moved go first: re-moving them is cheaper than
 * disturbing one that has not. Each exchange removes at least one pair, so this ends; it also ends
 * when a pass finds nothing to improve.
 */
function repair(p: Problem, ring: Int32Array): void {
  const { q, w, orig } = p;
  for (let pass = 0; pass < MAX_REPAIR_PASSES && violationsOf(ring, w) > p.bound; pass++) {
    const clashing: number[] = [];
    for (let a = 0; a < q; a++) if (clashes(ring, w, a, ring[a]) > 0) clashing.push(a);
    const unmoved = (a: number): number => Number(ring[a] === orig[a]);
    clashing.sort((a, b) => unmoved(a) - unmoved(b) || a - b);
    let improved = false;
    for (const a of clashing) {
      const clash = clashes(ring, w, a, ring[a]);
      if (clash === 0) continue;
      const b = bestRepairSwap(p, ring, a, clash);
      if (b === undefined) continue;
      swap(ring, a, b);
      improved = true;
    }
    if (!improved) return;
  }
}

/** The repair partner of partition a, which has `clash` clashing pairs (see repair). */
function bestRepairSwap(p: Problem, ring: Int32Array, a: number, clash: number): number | undefined {
  const { q, w } = p;
  const owner = ring[a];
  let best: number | undefined;
  let bestGain = 0;
  let bestMoves = Infinity;
  for (let b = 0; b < q; b++) {
    const other = ring[b];
    if (other === owner) continue;
    const ownerAtB = clashes(ring, w, b, owner, a);
    if (ownerAtB >= clash) continue;
    const gain = clash + clashes(ring, w, b, other) - ownerAtB - clashes(ring, w, a, other, b);
    if (gain <= 0 || gain < bestGain) continue;
    const moves = moveDelta(p, ring, a, b);
    if (gain === bestGain && moves >= bestMoves) continue;
    best = b;
    bestGain = gain;
    bestMoves = moves;
  }
  return best;
}

/**
 * Give partitions back to their current owner where that costs no violation: a moved partition
 * whose current owner stays swaps with a partition that owner has received, if after the swap
 * neither owner clashes (then no clashing pair is created, so the violation count cannot rise).
 * Each accepted swap lowers the move count, so this terminates.
 */
function undoNeedlessMoves(p: Problem, ring: Int32Array): void {
  const { q, n, w, orig } = p;
  for (let changed = true; changed; ) {
    changed = false;
    const received: number[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < q; i++) if (ring[i] !== orig[i]) received[ring[i]].push(i);
    for (let a = 0; a < q; a++) {
      const home = orig[a];
      const holder = ring[a];
      if (home === NONE || holder === home || clashes(ring, w, a, home) > 1) continue;
      let best = NONE;
      let bestMoves = 0;
      for (const b of received[home]) {
        if (ring[b] !== home || ring[b] === orig[b]) continue;
        const moves = moveDelta(p, ring, a, b);
        if (moves >= bestMoves || clashes(ring, w, a, home, b) > 0 || clashes(ring, w, b, holder, a) > 0) continue;
        best = b;
        bestMoves = moves;
        if (moves === -2) break;
      }
      if (best !== NONE) {
        swap(ring, a, best);
        changed = true;
      }
    }
  }
}

/**
 * Large-neighbourhood improvement for rings with no violation and w < n < 2w: slide a window of
 * SEGMENT partitions around the ring (half a window at a time) and replace its contents by the
 * arrangement of the same owners that moves the fewest partitions without creating a violation,
 * found by depth-first search (current owner tried first, pruned by a lower bound: partitions whose
 * current owner has no copy left in the segment must move). The multiset per segment is kept, so
 * balance is kept; the search budget makes the cost bounded and the result deterministic. With
 * n >= 2w single swaps already reach (near) minimal moves, and with n = w the layout is forced.
 */
function reoptimiseSegments(p: Problem, ring: Int32Array): void {
  const { q, n, w } = p;
  if (p.bound > 0 || n <= w || n >= 2 * w || violationsOf(ring, w) > 0) return;
  const length = Math.min(SEGMENT, q);
  const budget = { left: SEGMENTS_BUDGET };
  for (let start = 0; start < q && budget.left > 0; start += length >> 1) reoptimiseSegment(p, ring, start, length, budget);
}

function reoptimiseSegment(p: Problem, ring: Int32Array, start: number, length: number, budget: { left: number }): void {
  const { q, n, w, orig } = p;
  const positions = Array.from({ length }, (_, k) => (start + k) % q);
  const copies = new Int32Array(n);
  /** per node: positions not yet assigned whose current owner it is (they stay only while copies last) */
  const homes = new Int32Array(n);
  let departed = 0;
  let moves = 0;
  for (const i of positions) {
    copies[ring[i]]++;
    if (orig[i] === NONE) departed++;
    else homes[orig[i]]++;
    if (ring[i] !== orig[i]) moves++;
  }
  if (moves === 0 || moves === departed) return;
  const current = positions.map((i) => ring[i]);
  let best = moves;
  let bestAssignment: number[] | undefined;
  const assignment = new Array<number>(length);
  for (const i of positions) ring[i] = NONE;
  const mask = q - 1;
  const lowerBound = (): number => {
    let lb = departed;
    for (let x = 0; x < n; x++) if (homes[x] > copies[x]) lb += homes[x] - copies[x];
    return lb;
  };
  let nodes = 0;
  const search = (k: number, spent: number): void => {
    if (nodes++ >= SEGMENT_BUDGET || budget.left-- <= 0 || spent + lowerBound() >= best) return;
    if (k === length) {
      best = spent;
      bestAssignment = assignment.slice();
      return;
    }
    const at = positions[k];
    const home = orig[at];
    const place = (x: number): void => {
      if (copies[x] === 0) return;
      for (let d = 1; d < w; d++) if (ring[(at - d) & mask] === x || ring[(at + d) & mask] === x) return;
      copies[x]--;
      if (home === NONE) departed--;
      else homes[home]--;
      ring[at] = x;
      assignment[k] = x;
      search(k + 1, spent + Number(x !== home));
      ring[at] = NONE;
      if (home === NONE) departed++;
      else homes[home]++;
      copies[x]++;
    };
    if (home !== NONE) place(home);
    for (let x = 0; x < n; x++) if (x !== home) place(x);
  };
  search(0, 0);
  const chosen = bestAssignment ?? current;
  positions.forEach((i, k) => (ring[i] = chosen[k]));
}

// ---------------------------------------------------------------------------------------------
// Constructive claim (the "solve" path)

function sequentialLayout(q: number, n: number): Int32Array {
  return Int32Array.from({ length: q }, (_, i) => i % Math.min(n, q));
}

/**
 * Column-major fill, row-major read (see spreadLayout). With M rows and C = ceil(Q/M) columns, the
 * first Q - M*(C-1) rows are C long and the others C-1.
 */
function gridLayout(q: number, counts: readonly number[]): Int32Array {
  const rows = Math.max(...counts);
  const columns = Math.ceil(q / rows);
  const fullRows = q - rows * (columns - 1);
  const layout = new Int32Array(q);
  let g = 0;
  counts.forEach((count, slot) => {
    for (let k = 0; k < count; k++, g++) {
      const row = g % rows;
      const column = Math.floor(g / rows);
      layout[row * (columns - 1) + Math.min(row, fullRows) + column] = slot;
    }
  });
  return layout;
}

/**
 * The constructive layout, rotated and with slots mapped to nodes (ceil slots to ceil-target
 * nodes, floor slots to floor-target nodes) so that as many partitions as possible keep their
 * owner. Every rotation is ranked by an upper bound on the partitions it keeps (each slot's best
 * node); the few best get a greedy slot-to-node assignment.
 */
function constructive(p: Problem, targetN: number): Int32Array {
  const { q, n, orig, targets } = p;
  const layout = Int32Array.from(spreadLayout(q, n, targetN));
  const counts = slotCounts(q, n);
  const slots = counts.length;
  const overlap = new Int32Array(slots * n);
  const touched: number[] = [];
  const tally = (rotation: number): void => {
    for (const cell of touched) overlap[cell] = 0;
    touched.length = 0;
    for (let i = 0; i < q; i++) {
      const node = orig[i];
      if (node === NONE) continue;
      const slot = layout[(i + rotation) & (q - 1)];
      if (targets[node] !== counts[slot]) continue;
      const cell = slot * n + node;
      if (overlap[cell]++ === 0) touched.push(cell);
    }
  };
  const upper = new Int32Array(q);
  const slotBest = new Int32Array(slots);
  for (let rotation = 0; rotation < q; rotation++) {
    tally(rotation);
    slotBest.fill(0);
    for (const cell of touched) {
      const slot = Math.floor(cell / n);
      slotBest[slot] = Math.max(slotBest[slot], overlap[cell]);
    }
    upper[rotation] = slotBest.reduce((a, b) => a + b, 0);
  }
  const order = Array.from(upper.keys()).sort((a, b) => upper[b] - upper[a] || a - b);
  let bestScore = -1;
  let bestRotation = 0;
  let bestNodeOf: Int32Array = new Int32Array(slots);
  for (const rotation of order.slice(0, ROTATIONS_ASSIGNED)) {
    if (upper[rotation] <= bestScore) break;
    tally(rotation);
    const { nodeOf, score } = assignSlots(p, counts, overlap, touched);
    if (score > bestScore) {
      bestScore = score;
      bestRotation = rotation;
      bestNodeOf = nodeOf;
    }
  }
  const ring = Int32Array.from({ length: q }, (_, i) => bestNodeOf[layout[(i + bestRotation) % q]]);
  undoNeedlessMoves(p, ring);
  return ring;
}

/** Greedy slot -> node assignment by decreasing overlap; leftovers pair up in index order. */
function assignSlots(p: Problem, counts: readonly number[], overlap: Int32Array, touched: readonly number[]): { nodeOf: Int32Array; score: number } {
  const { n, targets } = p;
  const slots = counts.length;
  const cells = [...touched].sort((a, b) => overlap[b] - overlap[a] || a - b);
  const nodeOf = new Int32Array(slots).fill(NONE);
  const used = new Uint8Array(n);
  let score = 0;
  for (const cell of cells) {
    const slot = Math.floor(cell / n);
    const node = cell % n;
    if (nodeOf[slot] !== NONE || used[node]) continue;
    nodeOf[slot] = node;
    used[node] = 1;
    score += overlap[cell];
  }
  for (let slot = 0; slot < slots; slot++) {
    if (nodeOf[slot] !== NONE) continue;
    for (let node = 0; node < n; node++) {
      if (!used[node] && targets[node] === counts[slot]) {
        nodeOf[slot] = node;
        used[node] = 1;
        break;
      }
    }
  }
  return { nodeOf, score };
}
