/** A key's DVV set: building writes, the coordinating replica's update, reading, and the tombstone rules. */
import { Actor, Dot, DvvError, DvvSet, Payload, VersionVector, Write, isActor } from './types';
import { compareDots, counterOf, covers, mergeVv, sameVv, withCounter } from './version-vector';

/** The state of a replica that holds nothing for the key ("not found"). */
export function empty<V>(): DvvSet<V> {
  return { context: [], siblings: [] };
}

/** A blind client write of `value`: it will supersede what its coordinating replica holds. */
export function newValue<V>(value: V): Write<V> {
  return { context: null, payload: { tombstone: false, value } };
}

/** A client write of `value` that supersedes exactly the versions covered by `context` (a read's {@link join}). */
export function newWithContext<V>(value: V, context: VersionVector): Write<V> {
  return { context, payload: { tombstone: false, value } };
}

/** A delete: a tombstone write, blind (`null`/absent context) or superseding exactly `context`. */
export function newTombstone<V>(context: VersionVector | null = null): Write<V> {
  return { context, payload: { tombstone: true } };
}

/**
 * The coordinating replica applies a client write (riak's `dvvset:update/3`, with a blind write
 * reading as "the context of what this replica holds", as docs/reference/http-api.md asks):
 *
 * - the write supersedes exactly the siblings of `clock` whose dots its context covers (for a blind
 *   write: all of them); siblings the context has not seen stay, as concurrent siblings;
 * - it gets the new dot `(actor, max(clock[actor], context[actor], floor) + 1)`, so the dot is
 *   larger than any event of `actor` this replica or the client has seen;
 * - the result's context is `clock.context ∪ context ∪ {dot}`.
 *
 * The replica then stores the result and sends it whole to the other replicas, which {@link sync}
 * it into theirs. `clock` and `incoming.context` must be canonical (from this module, {@link
 * checkState} or {@link decodeContext}). `floor` is an optional lower bound for the counter (the
 * vnode-wide monotonic counter of docs/versioning.md); a non-negative safe integer.
 */
export function update<V>(clock: DvvSet<V>, incoming: Write<V>, actor: Actor, floor = 0): DvvSet<V> {
  if (!isActor(actor)) throw new DvvError('bad-actor', `not an actor id: ${JSON.stringify(actor)}`);
  if (!Number.isSafeInteger(floor) || floor < 0) throw new DvvError('bad-actor', `counter floor must be a non-negative safe integer, got ${floor}`);
  const seen = incoming.context ?? clock.context;
  const counter = Math.max(counterOf(clock.context, actor), counterOf(seen, actor), floor) + 1;
  if (!Number.isSafeInteger(counter)) throw new DvvError('bad-context', `the counter of ${actor} overflows`);
  const dot: Dot = [actor, counter];
  const kept = clock.siblings.filter((s) => !covers(seen, s.dot));
  const siblings = [...kept, { dot, ...incoming.payload }].sort((x, y) => compareDots(x.dot, y.dot));
  return { context: withCounter(mergeVv(clock.context, seen), actor, counter), siblings };
}

/** The payloads of all siblings, in canonical (dot) order; a tombstone sibling is `{tombstone: true}`. */
export function values<V>(s: DvvSet<V>): Payload<V>[] {
  return s.siblings.map((x): Payload<V> => (x.tombstone ? { tombstone: true } : { tombstone: false, value: x.value }));
}

/** The live (non-tombstone) sibling values, in canonical order. Empty: the key reads as not found. */
export function liveValues<V>(s: DvvSet<V>): V[] {
  const out: V[] = [];
  for (const x of s.siblings) if (!x.tombstone) out.push(x.value);
  return out;
}

/** The context a reader gets back (riak's `dvvset:join/1`): it covers every version the reader saw. */
export function join<V>(s: DvvSet<V>): VersionVector {
  return s.context;
}

/**
 * True when two states are the same version: same context, same sibling dots with the same
 * tombstone flags (a dot names one write, so values need not be compared). A replica whose state is
 * not the same version as the merged read result is stale: read repair sends it the merged state.
 */
export function sameVersion<V>(a: DvvSet<V>, b: DvvSet<V>): boolean {
  return (
    sameVv(a.context, b.context) &&
    a.siblings.length === b.siblings.length &&
    a.siblings.every((s, i) => compareDots(s.dot, b.siblings[i].dot) === 0 && s.tombstone === b.siblings[i].tombstone)
  );
}


/** True when the key is deleted at this replica: it holds siblings, all tombstones. */
export function isTombstoneOnly<V>(s: DvvSet<V>): boolean {
  return s.siblings.length > 0 && s.siblings.every((x) => x.tombstone);
}

/**
 * The reaping rule (riak's delete_mode "immediate" check): a tombstone may be removed for good only
 * when all `n` primary replicas answered (`replicaStates` has exactly `n` entries, `undefined` for
 * one that did not answer or holds nothing) and every one holds the same tombstone-only state. A
 * replica that already reaped, or has not yet received the tombstone, blocks it; read repair then
 * brings the tombstone back to it and a later read reaps.
 */
export function canReap<V>(replicaStates: readonly (DvvSet<V> | undefined)[], n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1 || replicaStates.length !== n) return false;
  const first = replicaStates[0];
  if (first === undefined || !isTombstoneOnly(first)) return false;
  return replicaStates.every((s) => s !== undefined && sameVersion(s, first));
}
