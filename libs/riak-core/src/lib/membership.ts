/**
 * Membership changes as pure functions over the ring (riak_core's riak_core_ring / riak_core_claimant
 * membership API). Each returns either the new ring and the line to show the operator, or a refusal
 * with a stable code and the exact line of docs/reference/cli.md. Nothing here knows which node it runs on beyond
 * the `actor` passed in.
 */
import {
  Member,
  NodeName,
  Ring,
  StagedChange,
  clusterNodes,
  memberOf,
  nodesWithStatus,
  ownershipOf,
  setMember,
  setOwnership,
  markSeen,
  ringReady,
} from './ring';
import { stagedChanges } from './claimant';

export type RefusalCode =
  | 'self-join'
  | 'unreachable'
  | 'ring-size'
  | 'different-app'
  | 'already-member'
  | 'only-member'
  | 'is-up'
  | 'not-member'
  | 'not-joining'
  | 'not-claimant'
  | 'nothing-staged'
  | 'plan-changed'
  | 'ring-not-ready';

export interface Refused {
  readonly kind: 'refused';
  readonly code: RefusalCode;
  readonly message: string;
}

export interface Changed {
  readonly kind: 'changed';
  readonly ring: Ring;
  readonly message: string;
}

export type MembershipResult = Changed | Refused;

export function refused(code: RefusalCode, message: string): Refused {
  return { kind: 'refused', code, message };
}

export const messages = {
  selfJoin: () => 'Failed: This node cannot join itself in a cluster',
  unreachable: (n: string) => `Node ${n} is not reachable!`,
  ringSize: (n: string) => `Failed: ${n} has a different ring_creation_size`,
  differentApp: (n: string, theirs: string, ours: string) =>
    `Failed: ${n} is a node of a '${theirs}' cluster and this node is a '${ours}' node`,
  alreadyMember: () => 'Failed: This node is already a member of a cluster',
  onlyMember: (n: string) => `Failed: '${n}' is the only member.`,
  isUp: (n: string) => `Failed: ${n} is up`,
  notMember: (n: string) => `Failed: "${n}" is not a member of the cluster.`,
  notJoining: (n: string) => `Failed: '${n}' is not a joining member of the cluster.`,
  joinStaged: (self: string, target: string) => `Success: staged join request for '${self}' to '${target}'`,
  markedDown: (n: string) => `Success: "${n}" marked as down`,
  leaving: (n: string) => `Success: '${n}' is leaving the cluster`,
  nothingStaged: () => 'Failed: There are no staged changes to commit',
  planChanged: () => "Unable to commit cluster changes. Plan changed; run 'ringnest cluster plan' again.",
  commitNotReady: () => 'Unable to commit cluster changes: the cluster is not ready (ring not ready); try again',
  leaveNotReady: () => 'Unable to leave the cluster: the cluster is not ready (ring not ready); try again',
};

/**
 * What `cluster plan` showed, as a value `commit` can compare with: the staged changes (staged joins
 * included) in canonical form. Transfers completing in between do not change it; a change staged,
 * cleared or committed in between does.
 */
export function planId(ring: Ring): string {
  return JSON.stringify(stagedChanges(ring).map((c) => [c.kind, c.node, c.kind === 'replace' ? c.replacement : null]));
}

/**
 * May the staged changes be committed? riak_core_claimant's commit refuses unless the plan the
 * operator saw is still the plan (`plan_changed`; no plan seen counts as changed) and every member
 * has the current ring (`ring_not_ready`).
 */
export function checkCommit(ring: Ring, shownPlan: string | undefined): Refused | undefined {
  if (stagedChanges(ring).length === 0) return refused('nothing-staged', messages.nothingStaged());
  if (shownPlan !== planId(ring)) return refused('plan-changed', messages.planChanged());
  if (!ringReady(ring).ready) return refused('ring-not-ready', messages.commitNotReady());
  return undefined;
}

/** May a node start leaving now (`ringnest leave`)? Only on a ready ring, like a commit. */
export function checkLeave(ring: Ring): Refused | undefined {
  return ringReady(ring).ready ? undefined : refused('ring-not-ready', messages.leaveNotReady());
}

/** True when the node's own ring holds no other member: it may join a cluster. */
export function isAlone(ring: Ring, self: NodeName): boolean {
  return clusterNodes(ring).every((n) => n === self);
}

export interface JoinRequest {
  /** this node's current ring */
  own: Ring;
  /** the ring of the node asked to join */
  target: Ring;
  targetNode: NodeName;
  self: NodeName;
  selfAddr: string;
  /** join now (the claimant commits it) rather than stage it */
  auto: boolean;
}

/**
 * Join `self` to the target's cluster: adopt the target ring with self added as a joining member.
 * Performed on the joining node, which then gossips the result to the target.
 */
export function joinCluster(r: JoinRequest): MembershipResult {
  if (r.targetNode === r.self) return refused('self-join', messages.selfJoin());
  if (r.target.app !== r.own.app) return refused('different-app', messages.differentApp(r.targetNode, r.target.app, r.own.app));
  if (r.target.ringSize !== r.own.ringSize) return refused('ring-size', messages.ringSize(r.targetNode));
  if (!isAlone(r.own, r.self)) return refused('already-member', messages.alreadyMember());
  const ring = markSeen(setMember(r.target, r.self, r.self, { status: 'joining', addr: r.selfAddr, autoJoin: r.auto }), r.self);
  return { kind: 'changed', ring, message: messages.joinStaged(r.self, r.targetNode) };
}

function isMember(ring: Ring, node: NodeName): Member | undefined {
  const m = memberOf(ring, node);
  return m && m.status !== 'removed' ? m : undefined;
}

/** Stage a leave, force-remove or replace on the claimant's ring. Joins are staged by joining. */
export function stageChange(ring: Ring, actor: NodeName, change: StagedChange): MembershipResult {
  const m = isMember(ring, change.node);
  if (!m) return refused('not-member', messages.notMember(change.node));
  const others = clusterNodes(ring).filter((n) => n !== change.node && memberOf(ring, n)?.status !== 'joining');
  let message: string;
  switch (change.kind) {
    case 'join':
      if (m.status !== 'joining') return refused('not-joining', messages.notJoining(change.node));
      message = `Success: staged join request for '${change.node}'`;
      break;
    case 'leave':
      if (others.length === 0) return refused('only-member', messages.onlyMember(change.node));
      message = `Success: staged leave request for '${change.node}'`;
      break;
    case 'force-remove':
      if (others.length === 0) return refused('only-member', messages.onlyMember(change.node));
      message = `Success: staged remove request for '${change.node}'`;
      break;
    case 'replace': {
      const r = isMember(ring, change.replacement);
      if (!r) return refused('not-member', messages.notMember(change.replacement));
      if (r.status !== 'joining') return refused('not-joining', messages.notJoining(change.replacement));
      message = `Success: staged replacement of '${change.node}' with '${change.replacement}'`;
      break;
    }
  }
  const o = ownershipOf(ring);
  const staged = [...o.staged.filter((s) => s.node !== change.node), change];
  return { kind: 'changed', ring: setOwnership(ring, actor, { ...o, staged }), message };
}

/** Discard staged changes; joining members whose join was staged (not auto) are dropped, as in riak_core. */
export function clearStaged(ring: Ring, actor: NodeName): MembershipResult {
  const o = ownershipOf(ring);
  let next = setOwnership(ring, actor, { ...o, staged: [] });
  for (const n of nodesWithStatus(ring, 'joining')) {
    const m = memberOf(ring, n) as Member;
    if (!m.autoJoin) next = setMember(next, actor, n, { ...m, status: 'removed' });
  }
  return { kind: 'changed', ring: next, message: 'Cleared staged cluster changes' };
}

/** Mark an unreachable member down (it keeps its partitions; fallbacks serve them). */
export function markDown(ring: Ring, actor: NodeName, node: NodeName, isUp: boolean): MembershipResult {
  const m = isMember(ring, node);
  if (!m) return refused('not-member', messages.notMember(node));
  if (isUp) return refused('is-up', messages.isUp(node));
  if (m.status === 'down') return { kind: 'changed', ring, message: messages.markedDown(node) };
  const beforeDown = m.status === 'joining' || m.status === 'valid' || m.status === 'leaving' ? m.status : undefined;
  return { kind: 'changed', ring: setMember(ring, actor, node, { ...m, status: 'down', ...(beforeDown ? { beforeDown } : {}) }), message: messages.markedDown(node) };
}
