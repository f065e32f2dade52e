import { ringSize } from '../src/lib/chash';
import { claimantTick, plan } from '../src/lib/claimant';
import { joinCluster, stageChange } from '../src/lib/membership';
import { MemberStatus, NodeName, Ring, Transfer, adoptRing, freshRing, memberOf, ownedCounts, ownershipOf, reconcile, setOwnership } from '../src/lib/ring';
import { nodes } from '../src/testing/names';

export const Q = ringSize(64);
export const [D1, D2, D3, D4] = nodes('dev1@127.0.0.1', 'dev2@127.0.0.1', 'dev3@127.0.0.1', 'dev4@127.0.0.1');

/** Each node's own replica of the ring. */
export type Cluster = Map<NodeName, Ring>;

export function fresh(node: NodeName, clusterId = `own-${node}`): Ring {
  return freshRing({ app: 'api', clusterId, ringSize: Q, node, addr: `${node}:9000` });
}

/**
 * Gossip until quiet: reconcile the replicas of `nodes` (default: all), let each node adopt the
 * result (markSeen, or come back from down), and reconcile again, so every node holds the same
 * ring and has seen it.
 */
export function settle(c: Cluster, nodes: readonly NodeName[] = [...c.keys()]): Cluster {
  const merged = nodes.map((n) => c.get(n) as Ring).reduce((a, b) => reconcile(a, b));
  const all = nodes.map((n) => adoptRing(merged, n)).reduce((a, b) => reconcile(a, b));
  const out = new Map(c);
  for (const n of nodes) out.set(n, all);
  return out;
}

export function ringAt(c: Cluster, n: NodeName): Ring {
  const r = c.get(n);
  if (!r) throw new Error(`no replica at ${n}`);
  return r;
}

/** Run the claimant step on `actor`'s replica; returns whether it decided something. */
export function tick(c: Cluster, actor: NodeName, up: readonly NodeName[] = [...c.keys()]): boolean {
  const r = claimantTick({ ring: ringAt(c, actor), actor, up: new Set(up) });
  if (r) c.set(actor, r);
  return r !== undefined;
}

/** `node` joins the cluster through `target`'s replica. */
export function join(c: Cluster, node: NodeName, target: NodeName, auto: boolean): void {
  const res = joinCluster({ own: fresh(node), target: ringAt(c, target), targetNode: target, self: node, selfAddr: `${node}:9000`, auto });
  if (res.kind !== 'changed') throw new Error(res.message);
  c.set(node, res.ring);
}

/** Each transfer's source marks it complete on its own replica (as handoff does). */
export function completeTransfers(c: Cluster, filter: (t: Transfer) => boolean = () => true): void {
  const sources = new Set(ownershipOf(ringAt(c, D1)).next.filter(filter).map((t) => t.from));
  for (const src of sources) {
    const r = ringAt(c, src);
    const o = ownershipOf(r);
    const next = o.next.map((t) => (t.from === src && filter(t) ? { ...t, status: 'complete' as const } : t));
    c.set(src, setOwnership(r, src, { ...o, next }));
  }
}

export function counts(owners: readonly NodeName[]): Record<NodeName, number> {
  return Object.fromEntries([...ownedCounts(owners).entries()].sort());
}

export function status(r: Ring, n: NodeName): MemberStatus | undefined {
  return memberOf(r, n)?.status;
}

// ---------------------------------------------------------------------------------------------
// The lifecycle, step by step. Each stage is rebuilt from scratch so every test asserts one step.

export function stage1(): Cluster {
  // dev1 alone; dev2 joins with auto-join, everyone adopts
  const c: Cluster = new Map([[D1, fresh(D1, 'c1')]]);
  join(c, D2, D1, true);
  return settle(c);
}
export function stage2(): Cluster {
  const c = stage1();
  tick(c, D1);
  return settle(c);
}
export function stage3(): Cluster {
  const c = stage2();
  completeTransfers(c);
  const s = settle(c);
  tick(s, D1);
  return settle(s);
}
export function stage4(): Cluster {
  const c = stage3();
  join(c, D3, D2, true);
  const s = settle(c);
  tick(s, D1);
  return settle(s);
}
export function stage5(): Cluster {
  const c = stage4();
  completeTransfers(c);
  const s = settle(c);
  tick(s, D1);
  return settle(s);
}
/** dev3's leave staged and committed through plan. */
export function stage6(): Cluster {
  const c = stage5();
  const staged = stageChange(ringAt(c, D1), D1, { kind: 'leave', node: D3 });
  if (staged.kind !== 'changed') throw new Error(staged.message);
  const p = plan(staged.ring, D1);
  if (!p) throw new Error('no plan');
  c.set(D1, p.ring);
  return settle(c);
}
/** dev3 has handed everything off; the claimant has ticked once (nobody has adopted that yet). */
export function stage7(): Cluster {
  const c = stage6();
  completeTransfers(c);
  const s = settle(c);
  tick(s, D1);
  return s;
}
