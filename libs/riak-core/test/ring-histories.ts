import fc from 'fast-check';
import { PartitionIndex, ringSize } from '../src/lib/chash';
import { canonicalJson } from '../src/lib/mvreg';
import { MemberStatus, NodeName, Ring, Transfer, adoptRing, allMembers, clusterNodes, freshRing, futureOwners, markSeen, memberOf, ownershipOf, reconcile, ringClock, ringReady, setMember, setOwnership } from '../src/lib/ring';
import { n, nodes, p } from '../src/testing/names';

/**
 * Property runs: a history replays up to 30 ring operations over up to 5 replicas and every check
 * reconciles several rings, each reconcile re-serialising every version; 1000 runs per property
 * still finish in a few seconds on ring size 8.
 */
export const RUNS = 1000;
export const Q = ringSize(8);
export const NODES = nodes('A', 'B', 'C', 'D', 'E');
export const STATUSES: readonly MemberStatus[] = ['joining', 'valid', 'leaving', 'exiting', 'down', 'removed'];

export const cj = (r: Ring): string => canonicalJson(r);

export function fresh(node: NodeName = NODES[0], q = Q): Ring {
  return freshRing({ app: 'api', clusterId: 'c1', ringSize: q, node, addr: `${node}:9000` });
}

// ---------------------------------------------------------------------------------------------
// Random histories

export type Op =
  | { kind: 'member'; replica: number; actor: number; node: number; status: MemberStatus; autoJoin: boolean }
  | { kind: 'ownership'; replica: number; actor: number; owners: number[]; moves: { index: PartitionIndex; to: number }[] }
  | { kind: 'complete'; replica: number; pick: number }
  | { kind: 'seen'; replica: number }
  | { kind: 'adopt'; replica: number }
  | { kind: 'reconcile'; from: number; to: number };

export const arbIdx = fc.nat({ max: 4 });
export const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('member' as const),
    replica: arbIdx,
    actor: arbIdx,
    node: arbIdx,
    status: fc.constantFrom(...STATUSES),
    autoJoin: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('ownership' as const),
    replica: arbIdx,
    actor: arbIdx,
    owners: fc.array(fc.nat({ max: 9 }), { minLength: Q, maxLength: Q }),
    moves: fc.array(fc.record({ index: fc.nat({ max: Q - 1 }).map(p), to: fc.nat({ max: 9 }) }), { maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('complete' as const), replica: arbIdx, pick: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('seen' as const), replica: arbIdx }),
  fc.record({ kind: fc.constant('adopt' as const), replica: arbIdx }),
  fc.record({ kind: fc.constant('reconcile' as const), from: arbIdx, to: arbIdx }),
);

export interface History {
  /** number of replicas, one per node A.. */
  k: number;
  /** true: every write on replica i is made by node i (as in the real system); false: by a random actor */
  ownActors: boolean;
  ops: Op[];
}

export const arbHistory: fc.Arbitrary<History> = fc.record({
  k: fc.integer({ min: 3, max: 5 }),
  ownActors: fc.boolean(),
  ops: fc.array(arbOp, { maxLength: 30 }),
});

export function replay(h: History): Ring[] {
  const base = fresh(n('A'));
  const replicas: Ring[] = Array.from({ length: h.k }, () => base);
  const actorOf = (replica: number, actor: number): NodeName => NODES[h.ownActors ? replica : actor % h.k];
  for (const op of h.ops) {
    switch (op.kind) {
      case 'member': {
        const i = op.replica % h.k;
        const node = NODES[op.node % h.k];
        replicas[i] = setMember(replicas[i], actorOf(i, op.actor), node, { status: op.status, addr: `${node}:9000`, autoJoin: op.autoJoin });
        break;
      }
      case 'ownership': {
        const i = op.replica % h.k;
        const names = allMembers(replicas[i]).map(([n]) => n);
        const pickName = (x: number) => names[x % names.length];
        const o = ownershipOf(replicas[i]);
        const owners = op.owners.map(pickName);
        const next: Transfer[] = [];
        for (const m of op.moves) {
          const to = pickName(m.to);
          if (to !== owners[m.index] && !next.some((t) => t.index === m.index)) next.push({ index: m.index, from: owners[m.index], to, status: 'awaiting' });
        }
        const actor = actorOf(i, op.actor);
        replicas[i] = setOwnership(replicas[i], actor, { ...o, epoch: o.epoch + 1, claimant: actor, owners, next });
        break;
      }
      case 'complete': {
        const i = op.replica % h.k;
        const o = ownershipOf(replicas[i]);
        if (o.next.length === 0) break;
        const j = op.pick % o.next.length;
        const next = o.next.map((t, n) => (n === j ? { ...t, status: 'complete' as const } : t));
        replicas[i] = setOwnership(replicas[i], actorOf(i, op.pick), { ...o, next });
        break;
      }
      case 'seen': {
        const i = op.replica % h.k;
        replicas[i] = markSeen(replicas[i], NODES[i]);
        break;
      }
      case 'adopt': {
        const i = op.replica % h.k;
        replicas[i] = adoptRing(replicas[i], NODES[i]);
        break;
      }
      case 'reconcile': {
        const to = op.to % h.k;
        replicas[to] = reconcile(replicas[to], replicas[op.from % h.k]);
        break;
      }
    }
  }
  return replicas;
}

/** A history and three (not necessarily distinct) of its replicas. */
export const arbThree = fc.tuple(arbHistory, arbIdx, arbIdx, arbIdx).map(([h, i, j, l]) => {
  const rs = replay(h);
  return { h, a: rs[i % h.k], b: rs[j % h.k], c: rs[l % h.k] };
});

/** Everything a node reads from a ring. */
export function reads(r: Ring): unknown {
  return {
    ownership: ownershipOf(r),
    future: futureOwners(ownershipOf(r)),
    members: NODES.map((n) => memberOf(r, n) ?? null),
    cluster: clusterNodes(r),
    ready: ringReady(r),
    clock: ringClock(r),
  };
}

// ---------------------------------------------------------------------------------------------
