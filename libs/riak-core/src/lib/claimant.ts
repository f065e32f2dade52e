/**
 * The claimant's decisions as pure functions (riak_core_claimant): turning staged changes into a
 * new ownership plan, and the periodic step that moves the cluster along (completed transfers
 * become ownership, auto-joins are committed, leaving nodes exit, exited nodes are removed).
 *
 * Exactly one claimant decides. The role changes hands only through the ring itself: the recorded
 * claimant keeps it while the ring says it is a valid or leaving member, and when it is not (it was
 * marked down, has exited or was removed) the first valid member by name takes over, as
 * riak_core_claimant's maybe_update_claimant does. No node's liveness view takes part: a node that
 * merely cannot reach the claimant (a refused connection, a partition) must not decide at the same
 * epoch as the live claimant, or one of the two decisions would be dropped when the rings merge.
 * An unreachable claimant stops decisions until an operator marks it down (`ringnest down`).
 * Membership decisions are only taken when the ring is ready (every member has seen the current
 * ring), so no decision is based on a ring some member has not adopted yet.
 */
import { claim } from './claim';
import { registerClock } from './mvreg';
import {
  Member,
  MemberStatus,
  NodeName,
  Ownership,
  Ring,
  StagedChange,
  Transfer,
  futureOwners,
  memberOf,
  nodesWithStatus,
  ownerEntries,
  ownershipOf,
  ringReady,
  setMember,
  setOwnership,
  transferKey,
} from './ring';
import { descends } from './vclock';

export const DEFAULT_TARGET_N = 4;

/** The node that acts as claimant according to `ring` alone (the same answer on every node holding it). */
export function effectiveClaimant(ring: Ring): NodeName | undefined {
  const recorded = ownershipOf(ring).claimant;
  const status = memberOf(ring, recorded)?.status;
  if (status === 'valid' || status === 'leaving') return recorded;
  return nodesWithStatus(ring, 'valid')[0];
}

/** What a commit would apply: staged joins (joining members without auto-join) and staged changes. */
export function stagedChanges(ring: Ring): StagedChange[] {
  const joins: StagedChange[] = nodesWithStatus(ring, 'joining')
    .filter((n) => !(memberOf(ring, n) as Member).autoJoin)
    .map((node) => ({ kind: 'join', node }));
  return [...joins, ...ownershipOf(ring).staged];
}

/**
 * Apply membership changes and compute the new claim: statuses change at once, ownership moves
 * through `next` (handoff), except for force-removed nodes, whose partitions are reassigned
 * directly since no node can hand them off.
 */
export function transition(ring: Ring, actor: NodeName, changes: readonly StagedChange[], targetN = DEFAULT_TARGET_N): Ring {
  const o = ownershipOf(ring);
  const newStatus = new Map<NodeName, MemberStatus>();
  const replacedBy = new Map<NodeName, NodeName>();
  for (const c of changes) {
    switch (c.kind) {
      case 'join':
        newStatus.set(c.node, 'valid');
        break;
      case 'leave':
        newStatus.set(c.node, 'leaving');
        break;
      case 'force-remove':
        newStatus.set(c.node, 'removed');
        break;
      case 'replace':
        newStatus.set(c.node, 'leaving');
        newStatus.set(c.replacement, 'valid');
        replacedBy.set(c.node, c.replacement);
        break;
    }
  }
  let r = ring;
  for (const [node, status] of newStatus) {
    const m = memberOf(r, node);
    if (m) r = setMember(r, actor, node, { ...m, status, autoJoin: false });
  }
  const removed = new Set(nodesWithStatus(r, 'removed'));
  const claimNodes = nodesWithStatus(r, 'valid', 'down');
  const future = futureOwners(o).map((n) => replacedBy.get(n) ?? n);
  const target = claim({ ringSize: r.ringSize, owners: future, nodes: claimNodes, targetN });
  const owners = o.owners.map((n, i) => (removed.has(n) ? target[i] : n));
  const previous = new Map(o.next.map((t) => [transferKey(t), t]));
  const next: Transfer[] = [];
  for (const [index, from] of ownerEntries(owners)) {
    const to = target[index];
    if (from !== to) next.push(previous.get(transferKey({ index, from, to })) ?? { index, from, to, status: 'awaiting' });
  }
  const applied = new Set(changes.map((c) => JSON.stringify(c)));
  const staged = o.staged.filter((s) => !applied.has(JSON.stringify(s)));
  return setOwnership(r, actor, { epoch: o.epoch + 1, claimant: actor, owners, next, staged });
}

export interface Plan {
  readonly changes: StagedChange[];
  /** the ring once committed */
  readonly ring: Ring;
  /** transfers the commit adds or keeps */
  readonly transfers: readonly Transfer[];
}

export function plan(ring: Ring, actor: NodeName, targetN = DEFAULT_TARGET_N): Plan | undefined {
  const changes = stagedChanges(ring);
  if (changes.length === 0) return undefined;
  const next = transition(ring, actor, changes, targetN);
  return { changes, ring: next, transfers: ownershipOf(next).next };
}

export interface TickInput {
  readonly ring: Ring;
  readonly actor: NodeName;
  /** nodes the actor currently sees as reachable (itself included) */
  readonly up: ReadonlySet<NodeName>;
  readonly targetN?: number;
}

/**
 * One claimant step. Returns the new ring, or undefined when the actor is not the claimant or
 * there is nothing to decide.
 */
export function claimantTick({ ring, actor, up, targetN = DEFAULT_TARGET_N }: TickInput): Ring | undefined {
  if (effectiveClaimant(ring) !== actor) return undefined;
  let r = ring;
  let o = ownershipOf(r);
  if (o.claimant !== actor) {
    // Take over; decide once every member has seen the new claimant.
    return setOwnership(r, actor, { ...o, claimant: actor, epoch: o.epoch + 1 });
  }
  let changed = false;

  // Completed transfers become ownership. This records a fact (the new owner holds the data) and
  // needs no agreement, so it does not wait for the ring to be ready: a stream of completions
  // would otherwise keep the ring from ever being ready.
  const done = o.next.filter((t) => t.status === 'complete');
  if (done.length > 0) {
    const owners = [...o.owners];
    for (const t of done) owners[t.index] = t.to;
    o = { ...o, epoch: o.epoch + 1, owners, next: o.next.filter((t) => t.status !== 'complete') };
    r = setOwnership(r, actor, o);
    changed = true;
  }

  // Membership decisions wait until every member has seen the current ring.
  if (!ringReady(ring).ready) return changed ? r : undefined;

  // Immediate joins are committed by the claimant.
  const autoJoins: StagedChange[] = nodesWithStatus(r, 'joining')
    .filter((n) => (memberOf(r, n) as Member).autoJoin && up.has(n))
    .map((node) => ({ kind: 'join', node }));
  if (autoJoins.length > 0) {
    r = transition(r, actor, autoJoins, targetN);
    o = ownershipOf(r);
    changed = true;
  }

  // A leaving node that owns nothing and has nothing left to hand off exits.
  for (const n of nodesWithStatus(r, 'leaving')) {
    if (!o.owners.includes(n) && !o.next.some((t) => t.from === n || t.to === n)) {
      r = setMember(r, actor, n, { ...(memberOf(r, n) as Member), status: 'exiting' });
      changed = true;
    }
  }

  // An exiting node is removed once it has seen that it exits, or when it is gone.
  for (const n of nodesWithStatus(r, 'exiting')) {
    const sawExit = r.seen[n] !== undefined && descends(r.seen[n], registerClock(r.members[n]));
    if (sawExit || !up.has(n)) {
      r = setMember(r, actor, n, { ...(memberOf(r, n) as Member), status: 'removed' });
      changed = true;
    }
  }
  return changed ? r : undefined;
}

export type { Ownership };
