/**
 * Dotted version vector sets (DVV sets): the causal versions of one key, as pure functions over
 * plain data (JSON- and msgpack-serialisable, no classes, no clocks).
 *
 * Sources: Preguiça, Baquero, Almeida, Fonte, Gonçalves, "Dotted Version Vectors: Logical Clocks
 * for Optimistic Replication" (2010); Gonçalves, Almeida, Baquero, Fonte, Preguiça, "Dotted Version
 * Vectors: Efficient Causality Tracking for Distributed Key-Value Stores" (2012); riak_kv's
 * `dvvset.erl` (the compact DVV set); the join is
 * the dot-store join of Almeida, Shoker, Baquero, "Delta State Replicated Data Types" (2018); actor
 * epochs after Russell Brown, "Per-Key Actor Epochs in Riak" (2015). libs/coord-kv/docs/versioning.md
 * explains the choices.
 *
 * A replica's state for one key ({@link DvvSet}) is a set of siblings, each carrying the dot (the
 * single event `(actor, counter)`) that created it, plus one causal context: the version vector of
 * every event the replica has seen. Logically this is riak's DVV set; it keeps each sibling's dot
 * explicitly instead of by list position, so the counters of an actor need not be contiguous.
 *
 * Invariants of every {@link DvvSet} this module returns (its canonical form, see
 * {@link checkState}):
 * - `context` is sorted by actor, strictly ascending, every counter a positive safe integer;
 * - every sibling's dot is covered by `context` (`counter <= context[actor]`);
 * - `siblings` are sorted by dot (actor, then counter), no dot twice;
 * - a dot covered by `context` but not among `siblings` was superseded (or deleted) by a write
 *   whose context covered it.
 * Dots are assumed globally unique (only the actor mints its own dots, from a state that holds its
 * latest one): that is the integration's duty, see {@link coordinatingActor}. Should it ever be
 * broken, {@link sync} still converges (it keeps the larger encoding of the two payloads).
 *
 * The parts: types.ts (the data), version-vector.ts, dvv-set.ts (writes, reads, tombstones), sync.ts
 * (merging replicas), actors.ts, and context.ts (validation and the context string clients carry).
 */
export type { Actor, Dot, VersionVector, Payload, Sibling, DvvSet, Write, DvvErrorCode } from './types';
export { DvvError, MAX_ACTOR_LENGTH, isActor } from './types';
export { counterOf, covers, descends } from './version-vector';
export { empty, newValue, newWithContext, newTombstone, update, values, liveValues, join, sameVersion, isTombstoneOnly, canReap } from './dvv-set';
export { sync, syncAll } from './sync';
export { epochActor, coordinatingActor } from './actors';
export { MAX_CONTEXT_CHARS, checkState, encodeContext, decodeContext } from './context';
