/**
 * The decisions of a coordinated request (riak_kv_put_fsm / riak_kv_get_fsm, for any service), as
 * pure functions over the replicas' replies: send a command to the N vnodes of a preference list,
 * answer once W (or R) replied well, hold PW (PR) primaries to it, and once every replica has
 * answered (or failed) bring those holding less than the merge of the answers up to it (read
 * repair). The service supplies what a reply holds, how holdings merge and what counts as behind;
 * the provider (nest/vnode/replica-coordinator.service.ts) only sends, times out and answers.
 * Counting replies towards W or R is the reducer of quorum.ts.
 */
import type { AnnotatedEntry } from './preflist';

/** A replica's settled reply, by its position in the preference list. */
export type ReplicaReply<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly reason: string };

/** How a coordinated request ended: the good replies that met its quorum, or why they did not. */
export type QuorumOutcome<R> =
  | { readonly kind: 'met'; readonly replies: readonly R[] }
  /** fewer than `need` replicas could answer (`have` replied well, counted ones included) */
  | { readonly kind: 'insufficient'; readonly have: number; readonly need: number }
  /** the deadline passed, or replicas that did not answer in time made the quorum impossible */
  | { readonly kind: 'timeout'; readonly have: number; readonly need: number; readonly timeoutMs: number }
  /** fewer primaries (not fallbacks) than PW/PR were up, or answered well */
  | { readonly kind: 'insufficient-primaries'; readonly have: number; readonly need: number };

/** A failed outcome. */
export type QuorumFailure = Exclude<QuorumOutcome<unknown>, { kind: 'met' }>;

/** One line for a failed outcome (the words of riak-core's `QuorumError`). */
export function quorumFailureText(o: QuorumFailure): string {
  switch (o.kind) {
    case 'timeout':
      return `${o.have} of ${o.need} replies within ${o.timeoutMs} ms`;
    case 'insufficient':
      return `${o.have} vnodes reachable, ${o.need} needed`;
    case 'insufficient-primaries':
      return `${o.have} primary replicas answered, ${o.need} needed`;
  }
}

/** The primaries (up owners, not fallbacks) of a preference list. */
export function primaryCountOf(entries: readonly Pick<AnnotatedEntry, 'type'>[]): number {
  return entries.filter((e) => e.type === 'primary').length;
}

/** The primaries of `entries` whose replies (by position) succeeded. */
export function primariesAnswered(entries: readonly Pick<AnnotatedEntry, 'type'>[], replies: readonly ReplicaReply<unknown>[]): number {
  return entries.filter((e, i) => e.type === 'primary' && replies[i]?.ok === true).length;
}

/**
 * What a service says about its replicas' holdings for read repair: `S` is what one replica holds
 * of the key (a version set, a room), read from its reply.
 */
export interface ReadRepairPolicy<R, S> {
  /** What the replica that sent `reply` holds; undefined when it holds nothing (not found). */
  stateOf(reply: R): S | undefined;
  /** The merge of what the replicas hold (never called with none). */
  merge(states: readonly S[]): S;
  /** Whether a replica holding `state` (undefined: nothing) is behind `merged` and must get it. */
  isStale(state: S | undefined, merged: S): boolean;
}

/** What read repair does once every replica has settled (riak_kv_get_fsm's final action). */
export type RepairPlan<S> =
  /** no replica answered with anything: nothing to merge */
  | { readonly kind: 'nothing' }
  /** every replica that answered holds the merge */
  | { readonly kind: 'in-sync'; readonly merged: S; readonly states: readonly (S | undefined)[] }
  /** the replicas at `stale` (positions in the preference list, answered and behind) get `merged` */
  | { readonly kind: 'repair'; readonly merged: S; readonly stale: readonly number[]; readonly states: readonly (S | undefined)[] };

/**
 * The repair plan over the settled replies (by position): a replica that failed is neither merged
 * nor repaired (it may hold anything); one that answered is repaired when the policy finds it behind.
 */
export function planRepair<R, S>(replies: readonly ReplicaReply<R>[], policy: ReadRepairPolicy<R, S>): RepairPlan<S> {
  const states = replies.map((r) => (r.ok ? policy.stateOf(r.value) : undefined));
  const present = states.filter((s): s is S => s !== undefined);
  if (present.length === 0) return { kind: 'nothing' };
  const merged = policy.merge(present);
  const stale: number[] = [];
  replies.forEach((r, i) => {
    if (r.ok && policy.isStale(states[i], merged)) stale.push(i);
  });
  return stale.length === 0 ? { kind: 'in-sync', merged, states } : { kind: 'repair', merged, stale, states };
}
