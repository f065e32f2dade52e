/**
 * The ring: who is in the cluster, who owns which partition, and what is about to move.
 *
 * The state is a join-semilattice so that gossip converges whatever the order of delivery:
 * - each member's record is a multi-value register (written by the node itself, by the claimant,
 *   or by whoever marks it down);
 * - the ownership (owners, pending transfers `next`, claimant) is one register written by the
 *   claimant, and by a transfer's source node when it marks the transfer complete; concurrent
 *   versions resolve to the highest epoch, and a completion mark in any sibling counts (completion
 *   is monotonic), so a mark is never lost to a concurrent claimant decision;
 * - the staged changes are a register of their own, written only by the claimant (stage, clear,
 *   commit): a stage or a clear never races a completion mark for one register, so neither undoes
 *   the other. `setOwnership` keeps this split invisible to callers: it writes each register only
 *   when its part changed. Rings written before the split carry the staged changes inside the
 *   ownership register; they are read from there until the first write;
 * - `seen` records, per node, the ring clock that node has adopted (riak_core's seen-by), merged
 *   pointwise; it drives ring readiness.
 * `reconcile` merges two rings of the same cluster field by field. Readers resolve siblings
 * deterministically (`memberOf`, `ownershipOf`), so every node that holds the same state reads the
 * same ring. See docs/ring.md.
 */
import { PartitionIndex, RingSize } from './chash';
import { Register, mergeRegisters, registerClock, versionKey, writeRegister } from './mvreg';
import { VClock, mergeClocks, descends } from './vclock';
import { NodeName } from './node-name';

export type { NodeName } from './node-name';
export { isNodeName, nodeName } from './node-name';

/** The node names keying a ring's record (members, seen): names the ring holds carry the brand. */
export function nodeKeys(record: Readonly<Record<NodeName, unknown>>): NodeName[] {
  return Object.keys(record) as NodeName[];
}

/** The entries of a record keyed by node names. */
export function nodeEntries<T>(record: Readonly<Record<NodeName, T>>): [NodeName, T][] {
  return Object.entries(record) as [NodeName, T][];
}

/** The names of every node with a member record ('removed' included), unsorted. */
export function memberNames(ring: Pick<Ring, 'members'>): NodeName[] {
  return nodeKeys(ring.members);
}

export type MemberStatus = 'joining' | 'valid' | 'leaving' | 'exiting' | 'down' | 'removed';

export interface Member {
  readonly status: MemberStatus;
  /** host:port of the node's cluster transport */
  readonly addr: string;
  /** a join that the claimant commits by itself once the ring is ready (riak_core's auto-join) */
  readonly autoJoin: boolean;
  /** while `down`: the status the node had when it was marked down, which it takes back on return */
  readonly beforeDown?: 'joining' | 'valid' | 'leaving';
}

export type TransferStatus = 'awaiting' | 'complete';

/** A pending ownership change of one partition (riak_core's `next` entry). */
export interface Transfer {
  readonly index: PartitionIndex;
  readonly from: NodeName;
  readonly to: NodeName;
  readonly status: TransferStatus;
}

export type StagedChange =
  | { readonly kind: 'join'; readonly node: NodeName }
  | { readonly kind: 'leave'; readonly node: NodeName }
  | { readonly kind: 'force-remove'; readonly node: NodeName }
  | { readonly kind: 'replace'; readonly node: NodeName; readonly replacement: NodeName };

export interface Ownership {
  /** increases with every claimant decision; ranks concurrent ownership versions */
  readonly epoch: number;
  readonly claimant: NodeName;
  /** owner of each partition index */
  readonly owners: readonly NodeName[];
  readonly next: readonly Transfer[];
  readonly staged: readonly StagedChange[];
}

export interface Ring {
  readonly format: 1;
  /** the application whose nodes form this cluster ('api', 'chat', ...): other apps cannot join */
  readonly app: string;
  /** unique per cluster: gossip from another cluster is ignored */
  readonly clusterId: string;
  readonly ringSize: RingSize;
  readonly members: Readonly<Record<NodeName, Register<Member>>>;
  readonly ownership: Register<Ownership>;
  /** the claimant's staged changes (absent in rings written before it had its own register) */
  readonly staged?: Register<readonly StagedChange[]>;
  readonly seen: Readonly<Record<NodeName, VClock>>;
}

export interface FreshRingOptions {
  app: string;
  clusterId: string;
  ringSize: RingSize;
  node: NodeName;
  addr: string;
}

/** A one-node ring: the node is valid, claimant, and owns every partition. */
export function freshRing(o: FreshRingOptions): Ring {
  const members = { [o.node]: writeRegister<Member>([], o.node, { status: 'valid', addr: o.addr, autoJoin: false }) };
  const ownership = writeRegister<Ownership>([], o.node, {
    epoch: 1,
    claimant: o.node,
    owners: new Array<NodeName>(o.ringSize).fill(o.node),
    next: [],
    staged: [],
  });
  const staged = writeRegister<readonly StagedChange[]>([], o.node, []);
  const ring: Ring = { format: 1, app: o.app, clusterId: o.clusterId, ringSize: o.ringSize, members, ownership, staged, seen: {} };
  return markSeen(ring, o.node);
}

const STATUS_RANK: Record<MemberStatus, number> = { removed: 5, exiting: 4, leaving: 3, down: 2, valid: 1, joining: 0 };

/** The member record of `node`, siblings resolved deterministically (the further-along status wins). */
export function memberOf(ring: Ring, node: NodeName): Member | undefined {
  const reg = ring.members[node];
  if (!reg || reg.length === 0) return undefined;
  let best = reg[0].value;
  for (const v of reg) {
    if (STATUS_RANK[v.value.status] > STATUS_RANK[best.status]) best = v.value;
  }
  return best;
}

/** Every node with a record, sorted by name, with its resolved record ('removed' included). */
export function allMembers(ring: Ring): [NodeName, Member][] {
  return memberNames(ring)
    .sort()
    .map((n) => [n, memberOf(ring, n) as Member]);
}

/** Nodes currently in the cluster (every status but 'removed'), sorted. */
export function clusterNodes(ring: Ring): NodeName[] {
  return allMembers(ring)
    .filter(([, m]) => m.status !== 'removed')
    .map(([n]) => n);
}

export function nodesWithStatus(ring: Ring, ...statuses: MemberStatus[]): NodeName[] {
  return allMembers(ring)
    .filter(([, m]) => statuses.includes(m.status))
    .map(([n]) => n);
}

/**
 * The ownership, siblings resolved: the version with the highest epoch (then claimant name, then
 * content) is the base; a transfer counts as complete if any sibling marked it complete.
 */
export function ownershipOf(ring: Ring): Ownership {
  const base = ownershipBase(ring);
  return ring.staged ? { ...base, staged: stagedOf(ring.staged) } : base;
}

/** The staged changes, siblings (only possible across a claimant change) resolved by content. */
function stagedOf(reg: Register<readonly StagedChange[]>): readonly StagedChange[] {
  if (reg.length === 0) return [];
  let best = reg[0];
  for (const v of reg) if (versionKey(v) > versionKey(best)) best = v;
  return best.value;
}

function ownershipBase(ring: Ring): Ownership {
  const reg = ring.ownership;
  if (reg.length === 1) return reg[0].value;
  let base = reg[0].value;
  for (const v of reg) {
    const o = v.value;
    if (o.epoch > base.epoch || (o.epoch === base.epoch && o.claimant > base.claimant)) base = o;
  }
  const complete = new Set<string>();
  for (const v of reg) for (const t of v.value.next) if (t.status === 'complete') complete.add(transferKey(t));
  return { ...base, next: base.next.map((t) => (complete.has(transferKey(t)) ? { ...t, status: 'complete' } : t)) };
}

export function transferKey(t: Pick<Transfer, 'index' | 'from' | 'to'>): string {
  return `${t.index}:${t.from}:${t.to}`;
}

/** The owners once every pending transfer has completed. */
export function futureOwners(o: Ownership): NodeName[] {
  const out = [...o.owners];
  for (const t of o.next) out[t.index] = t.to;
  return out;
}

/** The clock summarising every decision in the ring (member records and ownership; not `seen`). */
const ringClocks = new WeakMap<Ring, VClock>();

export function ringClock(ring: Ring): VClock {
  let clock = ringClocks.get(ring);
  if (!clock) {
    clock = mergeClocks(registerClock(ring.ownership), registerClock(ring.staged ?? []), ...Object.values(ring.members).map((r) => registerClock(r)));
    ringClocks.set(ring, clock);
  }
  return clock;
}

/**
 * A write into one of the ring's registers. The writer's counter goes above any it has used
 * anywhere in the ring, so every write advances `ringClock` (which readiness and change detection
 * rely on), while the new version still supersedes exactly what its register held.
 */
function writeInRing<T>(ring: Ring, reg: Register<T>, actor: NodeName, value: T): Register<T> {
  const clock = mergeClocks(registerClock(reg), { [actor]: (ringClock(ring)[actor] ?? 0) + 1 });
  return [{ clock, value }];
}

export function setMember(ring: Ring, actor: NodeName, node: NodeName, member: Member): Ring {
  return { ...ring, members: { ...ring.members, [node]: writeInRing(ring, ring.members[node] ?? [], actor, member) } };
}


/** The partition indices `node` owns in an owners list (the ring's `owners`: one entry per partition). */
export function ownedIndices(owners: readonly NodeName[], node: NodeName): PartitionIndex[] {
  const out: PartitionIndex[] = [];
  owners.forEach((owner, index) => {
    if (owner === node) out.push(index as PartitionIndex);
  });
  return out;
}

/** An owners list's entries: each partition index with its owner. */
export function ownerEntries(owners: readonly NodeName[]): [PartitionIndex, NodeName][] {
  return owners.map((owner, index) => [index as PartitionIndex, owner]);
}
/**
 * Write the ownership: the staged changes go to their own register, the rest to the ownership
 * register, each only if it changed, so a completion mark does not touch the staged changes and a
 * stage or clear does not touch the transfers.
 */
export function setOwnership(ring: Ring, actor: NodeName, ownership: Ownership): Ring {
  const { staged, ...rest } = ownership;
  const current = ownershipOf(ring);
  const { staged: currentStaged, ...currentRest } = current;
  let r = ring;
  if (!sameJson(rest, currentRest)) {
    r = { ...r, ownership: writeInRing(r, r.ownership, actor, { ...rest, staged: [] }) };
  }
  if (!r.staged || !sameJson(staged, currentStaged)) {
    r = { ...r, staged: writeInRing(r, r.staged ?? [], actor, staged) };
  }
  return r;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Record that `node` has adopted this ring. */
export function markSeen(ring: Ring, node: NodeName): Ring {
  const clock = ringClock(ring);
  const current = ring.seen[node];
  if (current && descends(current, clock)) return ring;
  return { ...ring, seen: { ...ring.seen, [node]: mergeClocks(current ?? {}, clock) } };
}

/**
 * Merge two rings of the same cluster. Commutative, associative and idempotent, so any gossip
 * order converges. Rings of different clusters are not merged: the caller checks `clusterId`.
 */
export function reconcile(a: Ring, b: Ring): Ring {
  if (a.clusterId !== b.clusterId) throw new Error(`cannot reconcile rings of clusters ${a.clusterId} and ${b.clusterId}`);
  const members: Record<NodeName, Register<Member>> = {};
  for (const node of [...new Set([...memberNames(a), ...memberNames(b)])].sort()) {
    members[node] = mergeRegisters(a.members[node] ?? [], b.members[node] ?? []);
  }
  const seen: Record<NodeName, VClock> = {};
  for (const node of [...new Set([...nodeKeys(a.seen), ...nodeKeys(b.seen)])].sort()) {
    seen[node] = lub(a.seen[node], b.seen[node]);
  }
  const ownership = mergeRegisters(a.ownership, b.ownership);
  if (!a.staged && !b.staged) return { format: 1, app: a.app, clusterId: a.clusterId, ringSize: a.ringSize, members, ownership, seen };
  const staged = mergeRegisters(a.staged ?? [], b.staged ?? []);
  return { format: 1, app: a.app, clusterId: a.clusterId, ringSize: a.ringSize, members, ownership, staged, seen };
}

/**
 * Does `a` hold everything `b` holds, so that `reconcile(a, b)` would be `a` again? Every write in
 * a ring advances its clock with a dot of its own, so a ring whose clock descends another's has its
 * writes or what superseded them; the seen-by entries are compared one by one (but `exceptSeenOf`'s).
 * Linear in the ring's size and allocates nothing: gossip between nodes that agree costs no merge.
 */
export function ringCovers(a: Ring, b: Ring, exceptSeenOf?: NodeName): boolean {
  if (a.clusterId !== b.clusterId || !descends(ringClock(a), ringClock(b))) return false;
  for (const node in b.seen) {
    if (node === exceptSeenOf) continue;
    const mine = a.seen[node as NodeName];
    if (mine === undefined || !descends(mine, b.seen[node as NodeName])) return false;
  }
  return true;
}

/** The least upper bound of two seen-by entries, reusing either when it already descends the other (the common case). */
function lub(x: VClock | undefined, y: VClock | undefined): VClock {
  if (x === undefined || x === y) return y ?? {};
  if (y === undefined || descends(x, y)) return x;
  return descends(y, x) ? y : mergeClocks(x, y);
}

/** Same state (seen included)? */
export function ringsEqual(a: Ring, b: Ring): boolean {
  return ringCovers(a, b) && ringCovers(b, a);
}

/**
 * The clock of the ring's decisions: members and ownership, not the staged changes, which are
 * operator input the claimant keeps (riak_core holds them outside the ring): staging or clearing
 * does not make the ring unready.
 */
function decisionClock(ring: Ring): VClock {
  return mergeClocks(registerClock(ring.ownership), ...Object.values(ring.members).map((r) => registerClock(r)));
}

/** Members whose agreement makes the ring ready: joining, valid and leaving ones. */
export function readyMembers(ring: Ring): NodeName[] {
  return nodesWithStatus(ring, 'joining', 'valid', 'leaving');
}

/**
 * riak_core's ring_ready: every member that takes part in the ring has seen its current state.
 * `notSeen` lists the members that have not.
 */
export function ringReady(ring: Ring): { ready: boolean; notSeen: NodeName[] } {
  const clock = decisionClock(ring);
  const notSeen = readyMembers(ring).filter((n) => !ring.seen[n] || !descends(ring.seen[n], clock));
  return { ready: notSeen.length === 0, notSeen };
}

/** Partitions owned per node (nodes owning nothing absent). */
export function ownedCounts(owners: readonly NodeName[]): Map<NodeName, number> {
  const counts = new Map<NodeName, number>();
  for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
  return counts;
}

/**
 * What a node does with a ring it is about to hold: record that it has seen it, and if the ring
 * says the node itself is down (it was marked down while unreachable), take back the status it had
 * then: a leaving node goes on leaving, a joining one is still joining, others are valid.
 */
export function adoptRing(ring: Ring, self: NodeName): Ring {
  let r = ring;
  const me = memberOf(r, self);
  if (me?.status === 'down') {
    const { beforeDown, ...rest } = me;
    r = setMember(r, self, self, { ...rest, status: beforeDown ?? 'valid' });
  }
  return markSeen(r, self);
}
